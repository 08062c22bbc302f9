"""No input makes a `pgc url` command raise: garbage is one line on stderr and exit 1 or 2."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pgconnect_cli.cli import url

runner = CliRunner()
# `pgc url` itself: the sub-application builds in half the time of the whole tree

_ATOMS = [
    *"@:/?#[]%&=,;' \"\\+-.",
    *["%20", "%zz", "%00", "%4", "é", "\t", "\n", "[::1]", ":6543", ":6432"],
    *["ep-x-pooler.us-east-2.aws.neon.tech", "pooled.db.prisma.io", "db.abc.supabase.co"],
    *["aws-0-us-east-1.pooler.supabase.com", "schema=", "pgbouncer=", "sslmode=", "ssl=", "host="],
    *["password=", "user=", "connectTimeout="],
]
_SCHEMES = [
    *["postgresql://", "postgres://", "POSTGRES://", "postgresql+psycopg://", "prisma+postgres://"],
    *["jdbc:postgresql://", "mysql://", "postgresql:", "", "DATABASE_URL=", "'postgresql://"],
]
_atoms = st.sampled_from(_ATOMS)
_schemes = st.sampled_from(_SCHEMES)
url_like = st.builds(lambda s, parts: s + "".join(parts), _schemes, st.lists(_atoms, max_size=14))
anything = url_like | st.text(max_size=40)

COMMANDS = [
    ["check"],
    ["check", "--json"],
    ["check", "--for", "prisma", "-f", "junit"],
    ["check", "--for", "psql", "-f", "markdown"],
    ["direct"],
    ["pooled", "--mode", "session"],
    ["convert", "--to", "uri"],
    ["convert", "--to", "keyvalue"],
    ["convert", "--to", "env"],
    ["convert", "--to", "prisma"],
    ["convert", "--to", "sqlalchemy"],
    ["convert", "--to", "jdbc"],
    ["fix"],
]

SETTINGS = settings(
    max_examples=30, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _run(args: list[str], text: str) -> None:
    result = runner.invoke(url.app, [*args, "-"], input=text + "\n", catch_exceptions=False)
    assert result.exit_code in (0, 1, 2), (args, text, result.output)
    if result.exit_code != 0 and result.stderr:
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith(("pgc: ", "Usage: ")), result.stderr


@SETTINGS
@given(anything)
def test_no_url_command_raises_on_any_input(text: str) -> None:
    for args in COMMANDS:
        _run(args, text)


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("pgc: error:")]


@SETTINGS
@given(anything)
def test_a_failure_is_reported_in_one_line(text: str) -> None:
    """Exit 1 or 2 with nothing on stdout: exactly one `pgc: error:` line says why.

    The one exit 1 with output is `url fix` printing its repair while an error remains: then the
    remaining errors are `pgc: still:` notes, not `pgc: error:` lines."""
    for args in (["direct"], ["convert", "--to", "uri"], ["fix"]):
        result = runner.invoke(url.app, [*args, "-"], input=text + "\n", catch_exceptions=False)
        if result.exit_code == 0:
            continue
        errors = _error_lines(result.stderr)
        if args == ["fix"] and result.exit_code == 1 and result.stdout:
            assert errors == [], (args, text, result.stderr)
            assert any(line.startswith("pgc: still:") for line in result.stderr.splitlines()), result.stderr
        else:
            assert result.stdout == "", (args, text, result.stdout)
            assert len(errors) == 1, (args, text, result.stderr)


@SETTINGS
@given(anything)
def test_arguments_that_look_like_options_are_usage_errors_not_crashes(text: str) -> None:
    result = runner.invoke(url.app, ["check", text], catch_exceptions=False)
    assert result.exit_code in (0, 1, 2)
