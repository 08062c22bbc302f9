"""Masking secrets in free text: URL credentials (spaces included) and key=value settings."""

from __future__ import annotations

import pytest

from pgconnect_cli.conninfo.redact import mask_text, scrub, scrub_exception, url_secrets


@pytest.mark.parametrize(
    "text",
    [
        "connect to postgresql://u:pa ss@h",
        "connect to postgresql://u:pa ss@h/db failed",
        "connect to postgresql://u:pa ss@h:5432/db?sslmode=require failed",
        "FATAL at postgresql://u:a b c@h#frag",
    ],
)
def test_a_url_password_with_spaces_is_masked(text: str) -> None:
    masked = mask_text(text)
    assert "pa ss" not in masked and "a b c" not in masked
    assert "****@h" in masked


def test_a_url_password_with_spaces_keeps_the_text_after_the_url() -> None:
    assert mask_text("connect to postgresql://u:pa ss@h/db failed") == (
        "connect to postgresql://u:****@h/db failed"
    )


def test_a_url_password_with_a_slash_and_an_at_sign_is_masked_to_the_last_at() -> None:
    assert mask_text("postgresql://u:p/w@x@h/db") == "postgresql://u:****@h/db"


def test_two_urls_on_one_line_are_masked_separately() -> None:
    text = "from postgresql://u:one@h1/db to postgresql://v:two@h2/db"
    assert mask_text(text) == "from postgresql://u:****@h1/db to postgresql://v:****@h2/db"


def test_a_secret_setting_in_a_url_query_stops_at_the_next_parameter() -> None:
    text = "postgresql://u@h/db?sslpassword=keypw&keepalives=1"
    assert mask_text(text) == "postgresql://u@h/db?sslpassword=****&keepalives=1"


def test_a_secret_setting_in_a_key_value_string_is_masked_to_the_next_space() -> None:
    assert mask_text("host=h password=a&b user=u") == "host=h password=**** user=u"


def test_a_quoted_key_value_password_with_spaces_is_masked() -> None:
    assert mask_text("host=h password='pa ss' user=u") == "host=h password=**** user=u"


def test_a_secret_setting_inside_a_variable_assignment_is_masked() -> None:
    text = "DATABASE_URL=postgresql://u@h/db?passwrd=keypw&sslmode=require"
    assert mask_text(text) == "DATABASE_URL=postgresql://u@h/db?passwrd=****&sslmode=require"


def test_an_exception_with_a_spaced_url_password_is_scrubbed() -> None:
    exc = RuntimeError("cannot use postgresql://u:pa ss@h/db")
    assert "pa ss" not in scrub_exception(exc)


def test_scrub_removes_known_secrets_and_masks_urls() -> None:
    assert scrub("port 'hunter22' and postgresql://u:x y@h", ["hunter22"]) == (
        "port '****' and postgresql://u:****@h"
    )


def test_fix_and_conversion_results_hold_no_password_in_their_repr() -> None:
    from pgconnect_cli.conninfo import parse
    from pgconnect_cli.conninfo.convert import Target, convert
    from pgconnect_cli.conninfo.fix import fix
    from pgconnect_cli.conninfo.meant import split_as_meant

    url = "postgresql://app:Hx7pw/q@db.example.com/app"
    assert "Hx7pw" not in repr(fix(url))
    assert "Hx7pw" not in repr(split_as_meant(url))
    ci = parse("postgresql://app:Hx7pwq@db.example.com/app")
    for target in Target:
        assert "Hx7pw" not in repr(convert(ci, target))


@pytest.mark.parametrize("before", ["1", "x" * 60, "(", "DATABASE_URL=", "jdbc:"])
def test_url_credentials_are_masked_whatever_precedes_the_scheme(before: str) -> None:
    assert "Zq9pw" not in mask_text(f"{before}postgresql://u:Zq9pw@h/db")


def test_a_server_setting_named_password_something_is_not_a_secret() -> None:
    # a fix tells the user to set password_encryption=scram-sha-256: masking it hides the fix
    text = "SET password_encryption=scram-sha-256; then password=Zq9pw"
    assert mask_text(text) == "SET password_encryption=scram-sha-256; then password=****"


def test_stray_secrets_finds_the_password_libpq_reads_as_the_port() -> None:
    from pgconnect_cli.conninfo.redact import stray_secrets

    assert stray_secrets("postgresql://app@:Zq7xSecretPw@h /") == {"Zq7xSecretPw"}
    assert "Zq7xSecretPw" in url_secrets("postgresql://app@:Zq7xSecretPw@h /")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:pw12@h/db",  # an ordinary password: the readings have it
        "postgresql://u:p@ss@h/db",  # a raw @: the meant split has it
        "postgresql://app@:5432/db",  # an empty host and a port: no password at all
        "postgresql://app@h/db",
        "user=app host=h",
    ],
)
def test_stray_secrets_is_empty_where_a_reading_finds_the_password(url: str) -> None:
    from pgconnect_cli.conninfo.redact import stray_secrets

    assert stray_secrets(url) == set()


def test_sanitize_scrubs_a_stray_password_from_every_string_of_a_result() -> None:
    from pgconnect_cli.checks.url import check_url
    from pgconnect_cli.render.sanitize import sanitize

    shown = repr(sanitize(check_url("postgresql://app@:Zq7xSecretPw@h /")))
    assert "Zq7xSecretPw" not in shown and "****" in shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "connect to postgresql://myadmin@myserver:Zq7xSecretPw@myserver.postgres.database.azure.com/db",
            "connect to postgresql://myadmin@myserver:****@myserver.postgres.database.azure.com/db",
        ),
        ("postgresql://a@b:Zq7xSecretPw@h / failed", "postgresql://a@b:****@h / failed"),
        ("postgresql://u@h:5432/db and a@b", "postgresql://u@h:5432/db and a@b"),  # a port, no password
    ],
)
def test_a_user_name_holding_an_at_masks_the_password_in_free_text(text: str, shown: str) -> None:
    assert mask_text(text) == shown
