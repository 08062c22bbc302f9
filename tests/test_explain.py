"""`pgc explain`: error texts, Prisma codes, SQLSTATEs and finding ids mapped to what diagnoses them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner, Result

from pgconnect_cli.cli import app
from pgconnect_cli.explain import explain
from pgconnect_cli.findings import CATALOGUE

runner = CliRunner()

P2024_TEXT = (
    "Timed out fetching a new connection from the connection pool. More info: "
    "http://pris.ly/d/connection-pool (Current connection pool timeout: 10, connection limit: 5)"
)
NEON_SNI = (
    "Endpoint ID is not specified. Either please upgrade the postgres client library (libpq) for SNI "
    "support or pass the endpoint ID (first part of the domain name) as a parameter: "
    "'?options=endpoint%3D<endpoint-id>'. See more at https://neon.tech/sni"
)


def run(*args: str) -> Result:
    return runner.invoke(app, ["explain", *args])


def first_id(text: str) -> str:
    return explain(text).finding_ids[0]


# --- codes, ids and the list ---------------------------------------------------------------------


def test_explain_maps_prisma_p1001_to_the_layers_it_hides() -> None:
    result = runner.invoke(app, ["explain", "P1001", "--json"])
    ids = [f["id"] for f in json.loads(result.stdout)["findings"]]
    assert {"dns-not-found", "tcp-timeout", "tcp-refused"} <= set(ids)


def test_explain_recognises_a_pasted_error_message() -> None:
    result = runner.invoke(app, ["explain", 'ERROR: prepared statement "s0" already exists'])
    assert result.exit_code == 0
    assert "prepared-statements-break" in result.stdout


def test_explain_a_finding_id_shows_cause_and_fix() -> None:
    result = runner.invoke(app, ["explain", "tcp-timeout"])
    assert "cause:" in result.stdout and "fix:" in result.stdout


def test_explain_unknown_text_says_so_in_one_line() -> None:
    result = runner.invoke(app, ["explain", "all is well"])
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1


def test_explain_list_names_every_finding_id() -> None:
    result = runner.invoke(app, ["explain", "--list", "--json"])
    assert result.exit_code == 0
    assert [s["id"] for s in json.loads(result.stdout)] == list(CATALOGUE)


# --- the right finding first --------------------------------------------------------------------


def test_prismas_p2024_message_and_code_agree_on_the_first_finding() -> None:
    assert first_id(P2024_TEXT) == first_id("P2024") == "connection-budget"


def test_prismas_p2024_message_is_not_a_firewall_timeout() -> None:
    assert "tcp-timeout" not in explain(P2024_TEXT).finding_ids[:2]


def test_unsupported_startup_parameter_maps_to_its_own_finding() -> None:
    assert first_id("FATAL:  unsupported startup parameter: options") == "startup-parameter-unsupported"


# --- messages that used to be unknown -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("connection is insecure (try using `sslmode=require`)", "provider-requires-tls"),
        ("FATAL: SSL connection is required. Please specify SSL options and retry.", "tls-required"),
        (
            'connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: '
            "No such file or directory",
            "tcp-refused",
        ),
        ('invalid sslmode value: "require\xa0"', "param-value-invalid"),
        ("could not match 2 port numbers to 1 hosts", "param-value-invalid"),
        ("could not match 2 host names with 1 hostaddr values", "param-value-invalid"),
        (
            'weak sslmode "require" may not be used with sslrootcert=system (use "verify-full")',
            "param-value-invalid",
        ),
        ('weak sslmode "prefer" may not be used with sslnegotiation=direct', "param-value-invalid"),
    ],
)
def test_libpq_and_provider_messages_are_explained(text: str, expected: str) -> None:
    result = run(text)
    assert result.exit_code == 0, result.stderr
    assert expected in explain(text).finding_ids


def test_neons_missing_endpoint_id_is_explained_with_the_sni_cause() -> None:
    result = run(NEON_SNI)
    assert result.exit_code == 0
    assert "SNI" in result.stdout and "options=endpoint" in result.stdout


def test_server_closed_the_connection_unexpectedly_is_explained() -> None:
    result = run("server closed the connection unexpectedly\n\tThis probably means the server terminated")
    assert result.exit_code == 0
    assert "pooler" in result.stdout


def test_sqlstate_08006_is_explained() -> None:
    result = run("08006")
    assert result.exit_code == 0
    assert "connection_failure" in result.stdout


# --- output format ------------------------------------------------------------------------------


def test_format_json_is_accepted_like_json() -> None:
    a, b = run("P1001", "--format", "json"), run("P1001", "--json")
    assert a.exit_code == b.exit_code == 0
    assert json.loads(a.stdout) == json.loads(b.stdout)


def test_help_documents_format_and_json() -> None:
    result = run("--help")
    assert "--format" in result.stdout and "--json" in result.stdout


def test_every_explained_finding_id_is_in_the_catalogue() -> None:
    from pgconnect_cli.explain import CLUES, PRISMA, SIGNATURES, SQLSTATES

    for entry in (*PRISMA, *SQLSTATES, *SIGNATURES):
        assert set(entry.finding_ids) <= set(CATALOGUE), entry
    for clue in CLUES:
        assert clue.finding_id in CATALOGUE, clue


# --- secrets: the pasted text is never echoed with its password ---------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "FATAL at postgresql://u:S3cretQz7@h/db",
        "connect to postgresql://u:S3cretQz7 pa ss@h",
        "password authentication failed: host=h password=S3cretQz7 user=u",
    ],
)
def test_explain_json_never_echoes_a_password_from_the_text(text: str) -> None:
    result = run("--json", text)
    assert "S3cretQz7" not in result.stdout + result.stderr
    assert "****" in json.loads(result.stdout)["query"]


@pytest.mark.parametrize(
    "text",
    [
        "FATAL at postgresql://u:S3cretQz7@h/db",
        "password authentication failed for postgresql://u:S3cretQz7@h",
    ],
)
def test_explain_human_output_never_echoes_a_password_from_the_text(text: str) -> None:
    result = run(text)
    assert "S3cretQz7" not in result.stdout + result.stderr
