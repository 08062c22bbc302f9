"""Reading URLs as their authors meant them, and `url fix`'s mechanical repairs."""

from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict

from pgconnect_cli.conninfo.fix import fix
from pgconnect_cli.conninfo.meant import read_as_meant, split_as_meant
from pgconnect_cli.conninfo.parse import ParseError


def libpq(s: str) -> dict[str, str]:
    return conninfo_to_dict(s)


@pytest.mark.parametrize(
    ("url", "password"),
    [
        ("postgresql://u:p@ss@h/db", "p@ss"),
        ("postgresql://u:p/ss@h/db", "p/ss"),
        ("postgresql://u:p/a@b/c@h/db", "p/a@b/c"),
        ("postgresql://u:p@ss:w/rd?#x@h:5432/db?sslmode=require", "p@ss:w/rd?#x"),
        ("postgresql://u:p?a=b@h/db", "p?a=b"),
    ],
)
def test_the_userinfo_ends_at_the_at_sign_before_the_host(url: str, password: str) -> None:
    reading = read_as_meant(url)
    assert (reading.conninfo.host, reading.conninfo.password) == ("h", password)


def test_an_at_sign_in_the_query_does_not_move_the_split() -> None:
    split = split_as_meant("postgresql://u:p@h/db?application_name=me@laptop")
    assert split is not None and split.userinfo == "u:p" and not split.misread


def test_an_at_sign_in_the_query_of_a_url_without_userinfo_is_not_userinfo() -> None:
    split = split_as_meant("postgresql://h/db?application_name=me@laptop")
    assert split is not None and split.userinfo is None


def test_a_misread_url_is_flagged() -> None:
    assert read_as_meant("postgresql://u:p@ss@h/db").misread


def test_a_well_formed_url_is_read_exactly_as_libpq_reads_it() -> None:
    reading = read_as_meant("postgresql://u:p%40ss@h:5433/db?sslmode=require")
    assert not reading.misread
    assert reading.conninfo.libpq_dict() == libpq("postgresql://u:p%40ss@h:5433/db?sslmode=require")


def test_a_broken_query_still_raises() -> None:
    with pytest.raises(ParseError):
        read_as_meant("postgresql://u:p@ss@h/db?connect_timeout")


@pytest.mark.parametrize(
    ("broken", "password"),
    [
        ("postgresql://u:p@ss@h/db", "p@ss"),
        ("postgresql://u:p/ss@h/db", "p/ss"),
        ("postgresql://u:my pass@h/db", "my pass"),
        ("postgresql://u:100%@h/db", "100%"),
        ("postgresql://u:p%40ss#1@h/db", "p@ss#1"),
    ],
)
def test_fix_encodes_the_password_the_author_meant(broken: str, password: str) -> None:
    result = fix(broken)
    assert libpq(result.text)["password"] == password
    assert libpq(result.text)["host"] == "h"


def test_fix_turns_a_second_question_mark_into_an_ampersand() -> None:
    result = fix("postgresql://h/db?sslmode=require?connect_timeout=10")
    assert libpq(result.text) == {"host": "h", "dbname": "db", "sslmode": "require", "connect_timeout": "10"}


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        ("connectTimeout=10", {"connect_timeout": "10"}),
        ("sslMode=require", {"sslmode": "require"}),
        ("ssl=true", {"sslmode": "require"}),
        ("ssl=false", {"sslmode": "disable"}),
        ("requiressl=1", {"sslmode": "require"}),
        ("applicationName=web", {"application_name": "web"}),
        ("search_path=app", {"options": "-c search_path=app"}),
        ("currentSchema=MyApp", {"options": '-c search_path="MyApp"'}),
    ],
)
def test_fix_corrects_known_parameter_names(param: str, expected: dict[str, str]) -> None:
    assert libpq(fix(f"postgresql://h/db?{param}").text) == {"host": "h", "dbname": "db", **expected}


def test_fix_lowercases_the_scheme() -> None:
    assert fix("POSTGRESQL://h/db").text == "postgresql://h/db"


def test_fix_adds_the_missing_slashes() -> None:
    assert fix("postgresql:/h/db").text == "postgresql://h/db"


def test_fix_reads_a_jdbc_url() -> None:
    text = fix("jdbc:postgresql://h:5432/db?user=u&password=pw&ssl=true").text
    assert libpq(text) == {
        "host": "h",
        "port": "5432",
        "dbname": "db",
        "user": "u",
        "password": "pw",
        "sslmode": "require",
    }


def test_fix_strips_a_pasted_assignment_and_quotes() -> None:
    result = fix('DATABASE_URL="postgres://u:pw@h/db"')
    assert result.text == "postgres://u:pw@h/db"
    assert "removed the DATABASE_URL= assignment" in result.changes


def test_fix_repairs_a_keyvalue_string() -> None:
    assert libpq(fix("host=h connectTimeout=3 ssl=true").text) == {
        "host": "h",
        "connect_timeout": "3",
        "sslmode": "require",
    }


def test_fix_leaves_a_correct_url_untouched() -> None:
    url = "postgres://app:p%40ss@h:5432/db?sslmode=require&application_name=me@laptop"
    result = fix(url)
    assert result.text == url and not result.changed


def test_fix_reports_unknown_parameters_it_cannot_repair() -> None:
    assert fix("postgresql://h/db?frobnicate=1").remaining == ("frobnicate",)


def test_fix_changes_never_contain_the_password() -> None:
    result = fix("postgresql://u:Secr3t@Value/x@h/db?connectTimeout=3")
    assert all("Secr3t" not in c and "Value/x" not in c for c in result.changes)


def test_fix_cannot_repair_garbage() -> None:
    with pytest.raises(ParseError):
        fix("this is not a url")


def test_an_unquoted_semicolon_in_an_adonet_password_is_refused_not_truncated() -> None:
    import pytest

    from pgconnect_cli.conninfo.fix import fix
    from pgconnect_cli.conninfo.parse import ParseError

    with pytest.raises(ParseError) as caught:
        fix("Host=h;Username=u;Password=ab;cd;Database=db;Ssl Mode=Require")
    assert "Password" in caught.value.message and "ab" not in caught.value.message.replace("about", "")


def test_a_quoted_semicolon_in_an_adonet_password_is_kept() -> None:
    from pgconnect_cli.conninfo.fix import fix

    assert fix('Host=h;Username=u;Password="ab;cd";Database=db').text == "postgresql://u:ab%3Bcd@h/db"
