"""Conversions: libpq strings libpq accepts, and the Prisma, SQLAlchemy, JDBC and env forms."""

from __future__ import annotations

import shlex
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict

from pgconnect_cli.conninfo import parse
from pgconnect_cli.conninfo.convert import Target, apply_edits, clean_for_libpq, convert

PRISMA_URL = (
    "postgresql://app:p%40ss%3Aw%2Fo%3Frd%23%25x@db.example.com:5432/appdb"
    "?schema=billing&pgbouncer=true&connection_limit=5&pool_timeout=20&sslmode=require"
)


def test_uri_drops_prisma_parameters_and_keeps_the_rest() -> None:
    text = convert(parse(PRISMA_URL), Target.URI).text
    assert conninfo_to_dict(text) == {
        "user": "app",
        "password": "p@ss:w/o?rd#%x",
        "host": "db.example.com",
        "port": "5432",
        "dbname": "appdb",
        "sslmode": "require",
        "options": "-c search_path=billing",
    }


def test_keyvalue_is_accepted_by_libpq_with_the_same_settings() -> None:
    uri = conninfo_to_dict(convert(parse(PRISMA_URL), Target.URI).text)
    assert conninfo_to_dict(convert(parse(PRISMA_URL), Target.KEYVALUE).text) == uri


def test_the_notes_name_what_was_dropped_and_translated() -> None:
    notes = " ".join(convert(parse(PRISMA_URL), Target.URI).notes)
    assert "pgbouncer" in notes and "connection_limit" in notes and "search_path=billing" in notes


def test_a_schema_is_merged_into_existing_options() -> None:
    text = convert(parse("postgresql://h/db?options=-c%20work_mem%3D64MB&schema=app"), Target.URI).text
    assert conninfo_to_dict(text)["options"] == "-c work_mem=64MB -c search_path=app"


def test_a_mixed_case_schema_keeps_its_case() -> None:
    text = convert(parse("postgresql://h/db?schema=Billing"), Target.URI).text
    assert conninfo_to_dict(text)["options"] == '-c search_path="Billing"'


def test_prisma_tls_settings_become_libpq_ones() -> None:
    url = "postgresql://h/db?sslmode=require&sslaccept=strict&sslcert=ca.pem"
    assert conninfo_to_dict(convert(parse(url), Target.URI).text) == {
        "host": "h",
        "dbname": "db",
        "sslmode": "verify-full",
        "sslrootcert": "ca.pem",
    }


def test_typos_are_corrected_and_unknown_parameters_dropped() -> None:
    result = convert(parse("postgresql://h/db?connectTimeout=10&frobnicate=1"), Target.URI)
    assert conninfo_to_dict(result.text) == {"host": "h", "dbname": "db", "connect_timeout": "10"}
    assert any("frobnicate" in n for n in result.notes)


def test_a_pooled_endpoint_warns_that_old_pgbouncer_rejects_options() -> None:
    result = convert(parse("postgresql://h:6432/db?schema=app"), Target.URI, pooled=True)
    assert any("PgBouncer before 1.20" in n for n in result.notes)


def test_env_lines_are_shell_quoted_pg_variables() -> None:
    text = convert(parse(PRISMA_URL), Target.ENV).text
    values = dict(line.split("=", 1) for line in text.splitlines())
    assert shlex.split(values["PGPASSWORD"]) == ["p@ss:w/o?rd#%x"]
    assert shlex.split(values["PGOPTIONS"]) == ["-c search_path=billing"]
    assert values["PGHOST"] == "db.example.com"


def test_env_notes_settings_without_a_variable() -> None:
    result = convert(parse("postgresql://h/db?keepalives=1"), Target.ENV)
    assert "PGKEEPALIVES" not in result.text and any("keepalives" in n for n in result.notes)


def test_prisma_form_adds_pgbouncer_for_a_transaction_pooler() -> None:
    url = "postgresql://u:pw@ep-x-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require"
    text = convert(parse(url), Target.PRISMA, transaction_pooler=True).text
    assert parse(text).get("pgbouncer") == "true"


def test_prisma_form_turns_search_path_options_into_schema() -> None:
    text = convert(parse("postgresql://h/db?options=-c%20search_path%3Dapp"), Target.PRISMA).text
    assert parse(text).get("schema") == "app" and parse(text).get("options") is None


def test_prisma_form_replaces_verify_full_with_what_prisma_understands() -> None:
    url = "postgresql://h/db?sslmode=verify-full&sslrootcert=/etc/ca.pem"
    ci = parse(convert(parse(url), Target.PRISMA).text)
    assert (ci.get("sslmode"), ci.get("sslaccept"), ci.get("sslcert")) == ("require", "strict", "/etc/ca.pem")


def test_prisma_form_removes_pgbouncer_from_a_direct_endpoint() -> None:
    url = "postgresql://u:pw@db.prisma.io:5432/postgres?sslmode=require&pgbouncer=true"
    assert parse(convert(parse(url), Target.PRISMA, direct=True).text).get("pgbouncer") is None


def test_prisma_form_keeps_one_host() -> None:
    result = convert(parse("postgresql://h1:5432,h2:5433/db"), Target.PRISMA)
    assert parse(result.text).get("host") == "h1" and result.notes


def test_sqlalchemy_form_uses_psycopg_and_warns_about_alembic_percent() -> None:
    result = convert(parse(PRISMA_URL), Target.SQLALCHEMY)
    assert result.text.startswith("postgresql+psycopg://app:p%40ss")
    assert any("%%" in n for n in result.notes)


def test_sqlalchemy_form_puts_several_hosts_in_the_query() -> None:
    text = convert(parse("postgresql://u@h1:5432,h2:5433/db"), Target.SQLALCHEMY).text
    assert text == "postgresql+psycopg://u@/db?host=h1:5432&host=h2:5433"


def test_jdbc_form_moves_credentials_and_schema_into_properties() -> None:
    text = convert(parse(PRISMA_URL), Target.JDBC).text
    assert text.startswith("jdbc:postgresql://db.example.com:5432/appdb?user=app&password=p%40ss")
    assert "currentSchema=billing" in text and "prepareThreshold=0" in text and "sslmode=require" in text


def test_edits_set_and_unset_parameters() -> None:
    ci = apply_edits(parse("postgresql://h/db?sslmode=disable&x=1"), [("sslmode", "require")], ["x"])
    assert ci.options == (("host", "h"), ("dbname", "db"), ("sslmode", "require"))


def test_cleaning_keeps_a_libpq_url_as_it_is() -> None:
    url = "postgresql://u:pw@h:5432/db?sslmode=verify-full&target_session_attrs=read-write"
    clean, notes = clean_for_libpq(parse(url))
    assert notes == () and clean.libpq_dict() == conninfo_to_dict(url)


_secret = st.text(alphabet=st.sampled_from(list("abcXYZ019@:/?#[]%&=+ $'\"\\!,;~é")), min_size=1, max_size=16)
_schema = st.text(alphabet=st.sampled_from(list("abcXYZ_09 -")), min_size=1, max_size=10)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(user=_secret, password=_secret, schema=_schema, limit=st.integers(1, 99))
def test_any_prisma_url_converts_to_strings_libpq_accepts(
    user: str, password: str, schema: str, limit: int
) -> None:
    url = (
        f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@db.example.com:5432/app"
        f"?schema={quote(schema, safe='')}&pgbouncer=true&connection_limit={limit}&sslmode=require"
    )
    for target in (Target.URI, Target.KEYVALUE):
        settings_ = conninfo_to_dict(convert(parse(url), target).text)
        assert (settings_["user"], settings_["password"]) == (user, password)
        assert settings_["options"].startswith("-c search_path=")


def test_prisma_form_of_a_unix_socket_uses_localhost_and_the_host_parameter() -> None:
    result = convert(parse("postgresql://app@%2Fvar%2Frun%2Fpostgresql:5433/app"), Target.PRISMA)
    assert result.text == "postgresql://app@localhost:5433/app?host=/var/run/postgresql"


def test_prisma_form_of_a_key_value_socket_string() -> None:
    result = convert(parse("host=/tmp port=5433 user=app dbname=app"), Target.PRISMA)
    assert result.text == "postgresql://app@localhost:5433/app?host=/tmp"


def test_prisma_form_of_the_default_socket_says_prisma_needs_the_directory() -> None:
    result = convert(parse("postgresql:///app"), Target.PRISMA)
    assert result.text == "postgresql://localhost/app"
    assert any("socket" in note for note in result.notes)


def test_prisma_strict_never_lowers_a_stronger_or_explicit_sslmode() -> None:
    from pgconnect_cli.conninfo.convert import prisma_tls_to_libpq

    for mode in ("verify-ca", "disable", "verify-full"):
        out, _ = prisma_tls_to_libpq([("sslmode", mode), ("sslaccept", "strict")])
        assert dict(out)["sslmode"] == mode


def test_prisma_accept_invalid_certs_does_not_turn_the_ca_into_verification() -> None:
    from pgconnect_cli.conninfo.convert import prisma_tls_to_libpq

    out, notes = prisma_tls_to_libpq(
        [("sslmode", "require"), ("sslaccept", "accept_invalid_certs"), ("sslcert", "ca.pem")]
    )
    assert dict(out) == {"sslmode": "require"}
    assert any("not used" in n for n in notes)
