"""`pgc explain` takes the whole paste: from stdin (`-` or a pipe) or as unquoted words."""

from __future__ import annotations

import json

from typer.testing import CliRunner, Result

from pgconnect_cli.cli import app

runner = CliRunner()

PASTE = (
    "PrismaClientInitializationError: \n"
    "Invalid `prisma.user.findMany()` invocation:\n\n"
    "Error querying the database: FATAL: Tenant or user not found\n"
    "    at r (/app/node_modules/@prisma/client/runtime/library.js:112:2493)\n"
)


def run(*args: str, stdin: str | None = None) -> Result:
    return runner.invoke(app, ["explain", *args], input=stdin)


def test_a_dash_reads_the_whole_paste_from_stdin() -> None:
    result = run("-", "--json", stdin=PASTE)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["first"] == "supabase-user-format"


def test_no_argument_with_a_pipe_reads_stdin() -> None:
    result = run("--json", stdin=PASTE)
    assert json.loads(result.stdout)["first"] == "supabase-user-format"


def test_an_unquoted_multi_word_paste_is_one_text() -> None:
    result = runner.invoke(app, ["explain", "FATAL:", "password", "authentication", "failed", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["first"] == "auth-failed"


def test_empty_stdin_is_a_usage_error_in_one_line() -> None:
    result = run("-", stdin="")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_json_keeps_its_keys_and_adds_first_and_also_seen() -> None:
    payload = json.loads(run("--json", "FATAL: sorry, too many clients already").stdout)
    assert {"schema", "query", "matches", "findings"} <= set(payload)
    assert payload["schema"] == "pgc.explain/v1"
    assert payload["first"] == "too-many-connections"
    assert payload["also_seen"] == [f["id"] for f in payload["findings"]][1:]


def test_json_matches_keep_kind_key_title_note() -> None:
    match = json.loads(run("--json", "P1001").stdout)["matches"][0]
    assert {"kind", "key", "title", "note"} <= set(match)


def test_human_output_shows_the_best_first_and_the_rest_as_also_seen() -> None:
    result = run("FATAL: sorry, too many clients already\nserver closed the connection unexpectedly")
    first_block, _, rest = result.stdout.partition("also seen:")
    assert "too-many-connections (error" in first_block
    assert "session-dropped" in rest


def test_a_clue_that_reordered_the_candidates_is_named() -> None:
    result = run("Error: P1001: Can't reach database server at `db.abcdefgh.supabase.co:5432`")
    assert "why first:" in result.stdout and "IPv6" in result.stdout
