"""The primary error comes first; context decides between a code's or a message's candidates."""

from __future__ import annotations

import pytest

from pgconnect_cli.explain import explain

# libpq under sslmode=prefer: the TLS attempt fails, then the plaintext retry is refused too.
CERT_THEN_PLAINTEXT = (
    'psql: error: connection to server at "db.example.test" (192.0.2.10), port 5432 failed: '
    'root certificate file "/root/.postgresql/root.crt" does not exist\n'
    "Either provide the file, use the system's trusted roots with sslrootcert=system, or change "
    "sslmode to disable server certificate verification.\n"
    'connection to server at "db.example.test" (192.0.2.10), port 5432 failed: FATAL:  no '
    'pg_hba.conf entry for host "192.0.2.99", user "app", database "app", no encryption'
)
IAM_THEN_PLAINTEXT = (
    'psql: error: FATAL:  PAM authentication failed for user "app"\n'
    'FATAL:  pg_hba.conf rejects connection for host "192.0.2.99", user "app", database "app", SSL off'
)
PLAINTEXT_ONLY = (
    'FATAL:  no pg_hba.conf entry for host "192.0.2.99", user "app", database "app", no encryption'
)
PRISMA_WRAPPED_DNS = (
    "PrismaClientInitializationError: \nInvalid `prisma.user.findMany()` invocation:\n\n"
    "Can't reach database server at `db.example.test:5432`\n"
    "    at /app/node_modules/@prisma/client/runtime/library.js:112:2493\n"
    "Caused by: getaddrinfo ENOTFOUND db.example.test"
)


def first(text: str) -> str | None:
    return explain(text).first


def test_libpqs_first_attempt_wins_over_its_plaintext_retry() -> None:
    assert first(CERT_THEN_PLAINTEXT) == "tls-verify-failed"


def test_the_plaintext_retry_is_still_listed_as_also_seen() -> None:
    assert "tls-required" in explain(CERT_THEN_PLAINTEXT).also_seen


def test_an_expired_rds_iam_token_is_not_a_tls_problem() -> None:
    assert first(IAM_THEN_PLAINTEXT) == "rds-iam-token-expired"


def test_a_plaintext_refusal_alone_means_tls_is_required() -> None:
    assert first(PLAINTEXT_ONLY) == "tls-required"


def test_the_driver_error_inside_a_prisma_wrapper_wins() -> None:
    assert first(PRISMA_WRAPPED_DNS) == "dns-not-found"


def test_p1012_for_the_app_variable_is_an_unset_variable() -> None:
    assert (
        first("Error code: P1012\nerror: Environment variable not found: DATABASE_URL.")
        == "env-variable-unset"
    )


def test_p1012_for_the_direct_url_variable_is_direct_url_missing() -> None:
    assert (
        first("Error code: P1012\nerror: Environment variable not found: DIRECT_URL.") == "direct-url-missing"
    )


def test_p1012_alone_names_several_candidates() -> None:
    assert {"env-variable-unset", "direct-url-missing"} <= set(explain("P1012").finding_ids)


def test_p1002_with_the_advisory_lock_context_is_the_migrate_lock() -> None:
    text = (
        "Error: P1002\nThe database server at `localhost:5432` was reached but timed out.\n"
        "Context: Timed out trying to acquire a postgres advisory lock (SELECT pg_advisory_lock(72707369))."
    )
    assert first(text) == "migrate-lock-held"


def test_p1002_without_the_lock_context_is_a_timeout() -> None:
    assert first("Error: P1002\nThe database server at `h:5432` was reached but timed out.") == "tcp-timeout"


def test_sqlstate_28000_with_a_missing_role_is_role_missing() -> None:
    assert first('FATAL: role "app" does not exist (SQLSTATE 28000)') == "role-missing"


def test_sqlstate_28000_alone_lists_the_missing_role_and_pg_hba() -> None:
    assert {"role-missing", "hba-rejected", "tls-required"} <= set(explain("28000").finding_ids)


def test_xx000_is_not_only_the_supabase_user_format() -> None:
    assert "connect-failed" in explain("XX000").finding_ids


def test_pgbouncers_own_statement_names_never_get_the_pgbouncer_flag_advice() -> None:
    result = explain('ERROR: prepared statement "PGBOUNCER_34" does not exist (SQLSTATE 26000)')
    assert result.first == "pgbouncer-prepared-statements-reset"
    assert "pgbouncer-flag-missing" not in result.finding_ids


def test_a_supabase_direct_host_points_at_ipv6_only() -> None:
    assert (
        first("Error: P1001: Can't reach database server at `db.abcdefgh.supabase.co:5432`")
        == "dns-ipv6-only"
    )


def test_a_supabase_direct_host_that_refuses_is_still_refused() -> None:
    text = (
        'connection to server at "db.abcdefgh.supabase.co" (192.0.2.1), port 5432 failed: Connection refused'
    )
    assert first(text) == "tcp-refused"


def test_windows_no_data_of_the_requested_type_is_ipv6_only() -> None:
    text = 'could not translate host name "db.example.test" to address: No data of the requested type'
    assert first(text) == "dns-ipv6-only"


def test_root_certificate_file_system_is_an_old_libpq() -> None:
    assert first('root certificate file "system" does not exist') == "sslrootcert-system-old-libpq"


def test_an_invalid_port_value_is_a_raw_slash_in_the_password() -> None:
    assert first('invalid integer value "abc" for connection option "port"') == "password-unencoded"


def test_a_schema_engine_error_makes_the_pooled_direct_url_the_cause() -> None:
    assert (
        first('Error: Schema engine error:\nERROR: prepared statement "s0" does not exist')
        == "direct-url-is-pooled"
    )


def test_without_a_migration_run_prepared_statements_are_the_cause() -> None:
    assert first('ERROR: prepared statement "s0" does not exist') == "prepared-statements-break"


def test_a_single_label_name_that_does_not_resolve_is_a_compose_service_name() -> None:
    assert first("Error: getaddrinfo EAI_AGAIN postgres") == "dns-not-found"


def test_a_full_name_that_does_not_resolve_is_a_dns_failure() -> None:
    assert first("Error: getaddrinfo EAI_AGAIN db.example.test") == "dns-failed"


def test_every_signature_seen_is_reported_as_also_seen() -> None:
    result = explain("FATAL: sorry, too many clients already\nserver closed the connection unexpectedly")
    assert result.first == "too-many-connections" and "session-dropped" in result.also_seen


@pytest.mark.parametrize("text", ["TCP-TIMEOUT", "Tcp-Timeout", "tcp-timeout"])
def test_finding_ids_are_case_insensitive(text: str) -> None:
    assert first(text) == "tcp-timeout"


@pytest.mark.parametrize("code", ["p1001", "P1001"])
def test_prisma_codes_are_case_insensitive(code: str) -> None:
    assert explain(code).matches[0].key == "P1001"


def test_an_unlisted_p3_code_is_a_migrate_failure() -> None:
    assert first("P3018") == "migrate-failed"
