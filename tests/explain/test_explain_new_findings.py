"""Each finding id added for `explain` has a message that names it first and a look-alike that does not."""

from __future__ import annotations

import pytest

from pgconnect_cli.explain import explain
from pgconnect_cli.findings import CATALOGUE

# id -> (a message that means it, a similar message that means something else)
CASES: dict[str, tuple[str, str]] = {
    "role-nologin": (
        'FATAL: role "reporting" is not permitted to log in',
        'FATAL: role "reporting" does not exist',
    ),
    "role-missing": ('FATAL: role "app" does not exist', 'FATAL: database "app" does not exist'),
    "peer-authentication-failed": (
        'FATAL: Peer authentication failed for user "app"',
        'FATAL: password authentication failed for user "app"',
    ),
    "database-no-connect-privilege": (
        'FATAL: permission denied for database "app"\nDETAIL: User does not have CONNECT privilege.',
        'ERROR: permission denied for table "orders"',
    ),
    "role-connection-limit": (
        'FATAL: too many connections for role "app"',
        "FATAL: sorry, too many clients already",
    ),
    "database-not-allowing-connections": (
        'FATAL: database "template0" is not currently accepting connections',
        'FATAL: database "template0" does not exist',
    ),
    "password-expired": (
        'FATAL: password authentication failed for user "app"\nDETAIL: User "app" has an expired password.',
        'FATAL: password authentication failed for user "app"',
    ),
    "schema-create-denied": (
        "ERROR: permission denied for schema public",
        "ERROR: permission denied for table t",
    ),
    "shadow-database-create-denied": (
        "Error: P3014\nPrisma Migrate could not create the shadow database.",
        "Error: P3018\nA migration failed to apply.",
    ),
    "read-only-transaction": (
        "ERROR: cannot execute CREATE TABLE in a read-only transaction",
        "ERROR: permission denied for schema public",
    ),
    "channel-binding-unsupported": (
        "channel binding is required, but server did not offer an authentication method that supports "
        "channel binding",
        'invalid connection option "channel_binding"',
    ),
    "client-certificate-required": (
        "SSL error: tlsv13 alert certificate required",
        "SSL error: certificate verify failed",
    ),
    "pgbouncer-database-unknown": ("ERROR: no such database: app", 'FATAL: database "app" does not exist'),
    "statement-pooling": (
        "ERROR: transaction blocks not allowed in statement pooling mode",
        "ERROR: query_wait_timeout",
    ),
    "session-dropped": (
        "FATAL: terminating connection due to administrator command",
        "FATAL: the database system is shutting down",
    ),
    "client-library-old": ("authentication method 10 not supported", "password authentication failed"),
    "neon-endpoint-unavailable": (
        "ERROR: Console request failed: endpoint is disabled",
        "ERROR: connection is insecure (try using `sslmode=require`)",
    ),
    "pooler-server-login-failed": (
        "ERROR: server login has been failing, try again later (server_login_retry)",
        "ERROR: no such database: app",
    ),
    "pool-wait-timeout": ("FATAL: query_wait_timeout", "FATAL: sorry, too many clients already"),
    "pgbouncer-prepared-statements-reset": (
        'ERROR: prepared statement "PGBOUNCER_12" does not exist',
        'ERROR: prepared statement "s12" does not exist',
    ),
    "migrate-lock-held": (
        "Context: Timed out trying to acquire a postgres advisory lock (SELECT pg_advisory_lock(72707369)).",
        "Error: P1002\nThe database server was reached but timed out.",
    ),
    "privilege-denied": (
        'ERROR: permission denied for table "orders"',
        "ERROR: permission denied for schema public",
    ),
    "rds-iam-token-expired": (
        'FATAL: PAM authentication failed for user "app"',
        'FATAL: password authentication failed for user "app"',
    ),
    "env-variable-unset": (
        "Error: getaddrinfo EAI_AGAIN undefined",
        "Error: getaddrinfo EAI_AGAIN db.example.test",
    ),
    "server-starting": (
        "FATAL: the database system is starting up",
        "FATAL: terminating connection due to administrator command",
    ),
    "operation-timed-out": (
        "ERROR: canceling statement due to statement timeout",
        "psql: error: timeout expired",
    ),
    "database-exists": ('ERROR: database "app" already exists', 'FATAL: database "app" does not exist'),
    "migrations-not-applied": (
        'ERROR: relation "users" does not exist',
        'FATAL: role "users" does not exist',
    ),
    "server-version-unsupported": ("P1015", "P1014"),
    "prisma-query-invalid": ("P1016", "P1015"),
    "migrate-failed": ("Error: P3018", "Error: P3014"),
}


def test_every_case_is_a_catalogued_id() -> None:
    assert set(CASES) <= set(CATALOGUE)


@pytest.mark.parametrize("finding_id", sorted(CASES))
def test_the_message_names_the_finding_first(finding_id: str) -> None:
    assert explain(CASES[finding_id][0]).first == finding_id


@pytest.mark.parametrize("finding_id", sorted(CASES))
def test_the_look_alike_names_another_finding_first(finding_id: str) -> None:
    assert explain(CASES[finding_id][1]).first != finding_id
