"""Every static URL finding: a URL that triggers it and one that does not (pure `check_url`)."""

from __future__ import annotations

import pytest

from pgconnect_cli.checks.url import Context, UrlCheck, check_url
from pgconnect_cli.findings import Finding, Severity
from pgconnect_cli.project import Client

NEON_POOLED = (
    "postgresql://app:pw@ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require"
)
NEON_DIRECT = "postgresql://app:pw@ep-cool-darkness-a1b2c3d4.us-east-2.aws.neon.tech/neondb?sslmode=require"
SUPAVISOR_TX = (
    "postgres://postgres.abcdefghij:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres?sslmode=require"
)
SUPAVISOR_SESSION = (
    "postgres://postgres.abcdefghij:pw@aws-0-us-east-1.pooler.supabase.com:5432/postgres?sslmode=require"
)
SUPABASE_DIRECT = "postgres://postgres:pw@db.abcdefghij.supabase.co:5432/postgres?sslmode=require"
CLEAN = "postgresql://app:s3cret@db.example.com:5432/app?sslmode=require"


def found(raw: str, **kwargs: object) -> dict[str, Finding]:
    result = check_url(raw, **kwargs)  # type: ignore[arg-type]
    return {f.id: f for f in result.findings}


def test_a_clean_remote_url_has_no_findings() -> None:
    assert found(CLEAN) == {}


# --- url-invalid ---------------------------------------------------------------------------------


def test_a_bad_percent_escape_is_url_invalid_naming_the_part() -> None:
    f = found("postgresql://u:pw@h/db%zz")["url-invalid"]
    assert f.severity is Severity.ERROR
    assert "database name" in f.detail


def test_url_invalid_never_echoes_the_input() -> None:
    f = found("postgresql://u:hunter2secret@h/db?connect_timeout")["url-invalid"]
    assert "hunter2secret" not in f.detail + f.fix


def test_a_pasted_assignment_is_url_invalid_and_says_so() -> None:
    f = found("DATABASE_URL=postgres://u:pw@db.example.com/db")["url-invalid"]
    assert "whole assignment (DATABASE_URL=…)" in f.detail


def test_a_parseable_url_is_not_url_invalid() -> None:
    assert "url-invalid" not in found("postgresql://h/db")


def test_an_unparseable_url_is_not_valid_and_has_no_parts() -> None:
    result = check_url("host='unterminated")
    assert not result.valid and result.conninfo is None


# --- scheme-unsupported --------------------------------------------------------------------------


def test_sqlalchemy_scheme_is_an_error_for_psql() -> None:
    f = found("postgresql+psycopg://u:pw@localhost/db", context=Context.PSQL)["scheme-unsupported"]
    assert f.severity is Severity.ERROR and "SQLAlchemy" in f.detail


def test_sqlalchemy_scheme_is_explained_for_the_app() -> None:
    f = found("postgresql+psycopg://u:pw@localhost/db")["scheme-unsupported"]
    assert f.severity is Severity.INFO


def test_prisma_accelerate_url_given_to_psql_is_an_error() -> None:
    f = found("prisma+postgres://accelerate.prisma-data.net/?api_key=abc", context=Context.PSQL)
    assert f["scheme-unsupported"].severity is Severity.ERROR


def test_prisma_accelerate_url_is_fine_for_prisma() -> None:
    f = found("prisma+postgres://accelerate.prisma-data.net/?api_key=abc", context=Context.PRISMA)
    assert f["scheme-unsupported"].severity is Severity.INFO
    assert "param-unknown" not in f


def test_uppercase_scheme_is_unsupported() -> None:
    assert found("POSTGRES://u@localhost/db")["scheme-unsupported"].severity is Severity.ERROR


def test_a_mysql_url_is_unsupported_and_not_linted_further() -> None:
    assert set(found("mysql://u:pw@db.example.com/db?useSSL=true")) == {"scheme-unsupported"}


def test_jdbc_form_is_an_error_for_prisma() -> None:
    f = found("jdbc:postgresql://db.example.com/db?user=u", context=Context.PRISMA)
    assert f["scheme-unsupported"].severity is Severity.ERROR


@pytest.mark.parametrize("url", ["postgresql://h/db", "postgres://h/db", "host=h dbname=db"])
def test_libpq_forms_are_supported(url: str) -> None:
    assert "scheme-unsupported" not in found(url)


# --- password-unencoded --------------------------------------------------------------------------


def test_a_raw_at_sign_in_the_password_is_unencoded_although_libpq_parses_it() -> None:
    result = check_url("postgresql://u:p@ss@db.example.com/db?sslmode=require")
    assert "password-unencoded" in {f.id for f in result.findings}
    assert result.misread


def test_the_url_is_read_as_meant_when_the_password_has_a_raw_at_sign() -> None:
    result = check_url("postgresql://u:p@ss@db.example.com/db?sslmode=require")
    assert result.conninfo is not None
    assert (result.conninfo.host, result.conninfo.password) == ("db.example.com", "p@ss")


def test_a_raw_slash_in_the_password_is_unencoded() -> None:
    result = check_url("postgresql://u:p/ss@db.example.com/db?sslmode=require")
    assert "password-unencoded" in {f.id for f in result.findings}
    assert result.conninfo is not None and result.conninfo.host == "db.example.com"


@pytest.mark.parametrize("password", ["p#ss", "p?ss", "p:ss", "p[ss", "100%"])
def test_other_raw_reserved_characters_are_unencoded(password: str) -> None:
    assert "password-unencoded" in found(f"postgresql://u:{password}@db.example.com/db?sslmode=require")


def test_a_raw_space_in_the_password_is_unencoded_not_invalid() -> None:
    f = found("postgresql://u:my pass@db.example.com/db?sslmode=require")
    assert "password-unencoded" in f and "url-invalid" not in f


def test_the_unencoded_fix_points_at_url_fix() -> None:
    assert "pgc url fix" in found("postgresql://u:p@ss@h/db")["password-unencoded"].fix


def test_an_encoded_password_is_fine() -> None:
    assert "password-unencoded" not in found("postgresql://u:p%40ss%2Fw%3Ard@db.example.com/db")


def test_an_at_sign_in_a_query_value_is_not_a_password() -> None:
    result = check_url("postgresql://u:pw@db.example.com/db?application_name=me@laptop&sslmode=require")
    assert result.findings == () and not result.misread


# --- placeholder-credentials --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres:[YOUR-PASSWORD]@db.abcdefghij.supabase.co:5432/postgres",
        "postgresql://app:<password>@db.example.com/app",
        "postgresql://USER:PASSWORD@db.example.com/app",
        "postgresql://app:YOUR_PASSWORD@db.example.com/app",
        "postgresql://app:********@db.example.com/app",
        "postgresql://app:${DB_PASSWORD}@db.example.com/app",
        "postgres://postgres.ref:pw@aws-0-[REGION].pooler.supabase.com:6543/postgres",
        "postgresql://app:pw@HOST:5432/app",
        "postgresql://johndoe:randompassword@localhost:5432/mydb?schema=public",
    ],
)
def test_template_placeholders_are_errors(url: str) -> None:
    assert found(url)["placeholder-credentials"].severity is Severity.ERROR


def test_a_plain_password_word_on_localhost_is_only_a_note() -> None:
    f = found("postgresql://postgres:password@localhost:5432/db")
    assert f["placeholder-credentials"].severity is Severity.INFO


def test_the_placeholder_detail_does_not_show_the_password() -> None:
    assert (
        "YOUR-PASSWORD"
        not in found("postgresql://app:[YOUR-PASSWORD]@db.example.com/app")["placeholder-credentials"].detail
    )


def test_bracketed_placeholder_is_not_also_reported_as_unencoded() -> None:
    assert "password-unencoded" not in found("postgresql://app:[YOUR-PASSWORD]@db.example.com/app")


def test_real_credentials_are_not_placeholders() -> None:
    assert "placeholder-credentials" not in found("postgresql://app_user:Xk9#fq@db.example.com/app")


# --- param-unknown -------------------------------------------------------------------------------


def test_camel_case_parameter_is_unknown_with_the_libpq_spelling() -> None:
    f = found("postgresql://h/db?connectTimeout=10")["param-unknown"]
    assert f.severity is Severity.ERROR and "connect_timeout" in f.fix


def test_a_misspelt_parameter_gets_the_closest_name() -> None:
    assert "application_name" in found("postgresql://h/db?aplication_name=x")["param-unknown"].fix


def test_search_path_parameter_suggests_options() -> None:
    assert "search_path" in found("postgresql://h/db?search_path=app")["param-unknown"].fix


def test_ssl_false_is_unknown_to_libpq() -> None:
    assert "sslmode=disable" in found("postgresql://h/db?ssl=false")["param-unknown"].fix


def test_ssl_true_in_a_uri_is_known() -> None:
    assert "param-unknown" not in found("postgresql://h/db?ssl=true")


def test_libpq_and_prisma_parameters_are_not_unknown() -> None:
    assert "param-unknown" not in found(
        "postgresql://h/db?connect_timeout=10&schema=app&target_session_attrs=any"
    )


# --- param-not-libpq -----------------------------------------------------------------------------


def test_prisma_parameters_are_a_warning_for_the_app() -> None:
    f = found("postgresql://localhost/db?schema=app&connection_limit=5")["param-not-libpq"]
    assert f.severity is Severity.WARNING and "schema" in f.detail


def test_prisma_parameters_are_an_error_for_psql() -> None:
    f = found("postgresql://localhost/db?schema=app", context=Context.PSQL)["param-not-libpq"]
    assert f.severity is Severity.ERROR


def test_prisma_parameters_are_only_a_note_for_prisma() -> None:
    f = found("postgresql://localhost/db?schema=app", context=Context.PRISMA)["param-not-libpq"]
    assert f.severity is Severity.INFO


def test_libpq_parameters_are_not_prisma_only() -> None:
    assert "param-not-libpq" not in found("postgresql://localhost/db?application_name=x")


# --- sslmode-missing / sslmode-weak --------------------------------------------------------------


def test_no_sslmode_toward_a_remote_host_is_a_warning() -> None:
    assert found("postgresql://u:pw@db.example.com/db")["sslmode-missing"].severity is Severity.WARNING


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "%2Fvar%2Frun%2Fpostgresql"])
def test_no_sslmode_toward_loopback_is_fine(host: str) -> None:
    assert "sslmode-missing" not in found(f"postgresql://u:pw@{host}/db")


def test_ssl_true_counts_as_sslmode_for_libpq() -> None:
    assert "sslmode-missing" not in found("postgresql://u:pw@db.example.com/db?ssl=true")


def test_ssl_true_does_not_count_for_prisma() -> None:
    f = found("postgresql://u:pw@db.example.com/db?ssl=true", context=Context.PRISMA)["sslmode-missing"]
    assert "ignores" in f.detail


@pytest.mark.parametrize("mode", ["disable", "allow", "prefer"])
def test_a_plaintext_capable_sslmode_toward_a_remote_host_is_weak(mode: str) -> None:
    assert (
        f"sslmode={mode}"
        in found(f"postgresql://u:pw@db.example.com/db?sslmode={mode}")["sslmode-weak"].detail
    )


def test_sslmode_disable_toward_localhost_is_not_weak() -> None:
    assert "sslmode-weak" not in found("postgresql://u:pw@localhost/db?sslmode=disable")


def test_sslmode_require_is_not_weak() -> None:
    assert "sslmode-weak" not in found(CLEAN)


# --- provider-requires-tls -----------------------------------------------------------------------


def test_sslmode_disable_on_neon_is_an_error() -> None:
    f = found(NEON_DIRECT.replace("sslmode=require", "sslmode=disable"))
    assert f["provider-requires-tls"].severity is Severity.ERROR
    assert "sslmode-weak" not in f


def test_sslmode_disable_on_a_provider_without_mandatory_tls_is_only_weak() -> None:
    f = found(SUPABASE_DIRECT.replace("sslmode=require", "sslmode=disable"))
    assert "provider-requires-tls" not in f and "sslmode-weak" in f


def test_sslmode_require_on_neon_satisfies_the_provider() -> None:
    assert "provider-requires-tls" not in found(NEON_DIRECT)


# --- sslmode-prisma-downgrade ---------------------------------------------------------------------


def test_verify_full_in_a_prisma_context_is_downgraded() -> None:
    url = "postgresql://u:pw@db.example.com/db?sslmode=verify-full"
    assert found(url, context=Context.PRISMA)["sslmode-prisma-downgrade"].severity is Severity.WARNING


def test_verify_full_outside_prisma_is_fine() -> None:
    assert "sslmode-prisma-downgrade" not in found("postgresql://u:pw@db.example.com/db?sslmode=verify-full")


def test_verify_full_with_prisma_7_is_not_downgraded() -> None:
    url = "postgresql://u:pw@db.example.com/db?sslmode=verify-full"
    assert "sslmode-prisma-downgrade" not in found(url, context=Context.PRISMA, prisma_major=7)


# --- supabase-user-format ------------------------------------------------------------------------


def test_supavisor_without_the_project_ref_in_the_user_is_an_error() -> None:
    f = found(SUPAVISOR_TX.replace("postgres.abcdefghij", "postgres"))["supabase-user-format"]
    assert f.severity is Severity.ERROR and "Tenant or user not found" in f.detail


def test_supavisor_with_the_project_ref_is_fine() -> None:
    assert "supabase-user-format" not in found(SUPAVISOR_TX)


def test_the_direct_supabase_host_with_the_pooler_user_form_is_an_error() -> None:
    url = SUPABASE_DIRECT.replace("postgres:pw", "postgres.abcdefghij:pw")
    assert found(url)["supabase-user-format"].severity is Severity.ERROR


# --- pgbouncer-flag-missing / pgbouncer-flag-on-direct -------------------------------------------


def test_transaction_pooler_without_pgbouncer_flag_is_a_warning_for_the_app() -> None:
    assert found(NEON_POOLED)["pgbouncer-flag-missing"].severity is Severity.WARNING


def test_transaction_pooler_without_pgbouncer_flag_is_an_error_for_prisma() -> None:
    assert found(NEON_POOLED, context=Context.PRISMA)["pgbouncer-flag-missing"].severity is Severity.ERROR


def test_for_a_psycopg_app_the_flag_finding_names_psycopgs_switch() -> None:
    f = found(NEON_POOLED, client=Client.PSYCOPG)["pgbouncer-flag-missing"]
    assert f.severity is Severity.INFO and "prepare_threshold=None" in f.fix


def test_transaction_pooler_with_the_flag_is_fine() -> None:
    assert "pgbouncer-flag-missing" not in found(NEON_POOLED + "&pgbouncer=true", context=Context.PRISMA)


def test_session_pooler_needs_no_flag() -> None:
    assert "pgbouncer-flag-missing" not in found(SUPAVISOR_SESSION, context=Context.PRISMA)


def test_pgbouncer_flag_on_a_direct_endpoint_is_a_warning() -> None:
    assert found(NEON_DIRECT + "&pgbouncer=true")["pgbouncer-flag-on-direct"].severity is Severity.WARNING


def test_pgbouncer_flag_on_a_pooler_is_not_on_direct() -> None:
    assert "pgbouncer-flag-on-direct" not in found(NEON_POOLED + "&pgbouncer=true")


# --- more ids ------------------------------------------------------------------------------------


def test_a_pooled_url_for_migrations_is_direct_url_is_pooled() -> None:
    assert found(NEON_POOLED, context=Context.MIGRATE)["direct-url-is-pooled"].severity is Severity.ERROR


def test_a_session_pooler_for_migrations_is_only_a_note() -> None:
    assert found(SUPAVISOR_SESSION, context=Context.MIGRATE)["direct-url-is-pooled"].severity is Severity.INFO


def test_a_direct_url_for_migrations_is_fine() -> None:
    assert "direct-url-is-pooled" not in found(NEON_DIRECT, context=Context.MIGRATE)


@pytest.mark.parametrize(
    "query",
    ["sslmode=bogus", "target_session_attrs=primaryy", "connect_timeout=ten", "pgbouncer=yes", "port=99999"],
)
def test_values_libpq_or_prisma_reject_are_invalid(query: str) -> None:
    assert found(f"postgresql://localhost/db?{query}")["param-value-invalid"].severity is Severity.ERROR


def test_mismatched_host_and_port_lists_are_invalid() -> None:
    assert "param-value-invalid" in found("postgresql://localhost/db?host=a,b,c&port=1,2")


def test_valid_values_are_fine() -> None:
    assert "param-value-invalid" not in found("postgresql://h1:5432,h2:5433/db?connect_timeout=10")


def test_a_keyword_newer_than_libpq_15_is_noted() -> None:
    f = found("postgresql://localhost/db?sslnegotiation=direct", context=Context.PSQL)["param-libpq-version"]
    assert f.severity is Severity.WARNING and "17" in f.detail


def test_a_duplicated_parameter_is_reported() -> None:
    assert "param-duplicate" in found("postgresql://localhost/db?sslmode=require&sslmode=disable")


def test_findings_carry_no_password() -> None:
    result: UrlCheck = check_url(
        "postgresql://u:Zq8!x@y/z#w@ep-x-pooler.us-east-2.aws.neon.tech/db?connectTimeout=1"
    )
    text = " ".join(f.title + f.detail + f.fix for f in result.findings) + result.url
    assert "Zq8" not in text and "y/z#w" not in text
