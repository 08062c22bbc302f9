"""The command tree as a whole: version, help, lazy imports, completions, generated docs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from pgconnect_cli import __version__
from pgconnect_cli.cli import app
from pgconnect_cli.cli.completion import FILENAMES, Shell, script
from tests.helpers import cli, pgc

ROOT = Path(__file__).resolve().parent.parent


def test_version_prints_the_package_version() -> None:
    result = pgc("--version")
    assert result.returncode == 0
    assert result.stdout == f"pgc {__version__}\n"


def test_version_works_inside_the_typer_app_too() -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout


def _commands(group: typer.core.TyperGroup, prefix: tuple[str, ...] = ()):  # type: ignore[name-defined]
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*prefix, name))


def test_every_command_has_help_text() -> None:
    root = typer.main.get_command(app)
    missing = [" ".join(path) for path, cmd in _commands(root) if not (cmd.help or cmd.short_help)]
    assert missing == []


@pytest.mark.parametrize("path", [(), ("url",), ("env",), ("lab",), ("doctor",), ("explain",)])
def test_help_works_on_every_level(path: tuple[str, ...]) -> None:
    result = cli(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage" in result.stdout


def test_help_does_not_load_psycopg_dns_or_dotenv() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from pgconnect_cli.cli import app\n"
        "for args in (['--help'], ['url', '--help'], ['doctor', '--help'], ['env', '--help']):\n"
        "    CliRunner().invoke(app, args)\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(loaded & {'psycopg', 'dns', 'dotenv'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_unknown_command_is_a_usage_error() -> None:
    result = pgc("frobnicate")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("shell", list(Shell))
def test_committed_completion_scripts_match_the_command_tree(shell: Shell) -> None:
    committed = (ROOT / "completions" / FILENAMES[shell]).read_text()
    assert committed == script(shell), "run `make completions`"


def test_completion_command_prints_the_script() -> None:
    result = cli("completion", "bash")
    assert result.exit_code == 0
    assert "_PGC_COMPLETE=complete_bash" in result.stdout


def test_tab_completion_answers_subcommands() -> None:
    result = pgc(env={"_PGC_COMPLETE": "complete_bash", "COMP_WORDS": "pgc ur", "COMP_CWORD": "1"})
    assert result.returncode == 0
    assert result.stdout.split() == ["url"]


def test_findings_doc_is_generated_from_the_catalogue() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_docs
    finally:
        sys.path.pop(0)
    assert (ROOT / "docs" / "findings.md").read_text() == gen_docs.render(), "run `make docs`"


def test_internal_errors_exit_3_with_one_line(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pgconnect_cli import cli\n"
        "def boom():\n"
        "    raise RuntimeError('postgresql://u:hunter2@h/db exploded')\n"
        "cli.app.command('boom')(boom)\n"
        "sys.argv = ['pgc', 'boom']\n"
        "cli.main()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PGC_DEBUG"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _crash(message: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys\n"
        "from pgconnect_cli import cli\n"
        "def boom():\n"
        f"    raise RuntimeError({message!r})\n"
        "cli.app.command('boom')(boom)\n"
        "sys.argv = ['pgc', 'boom']\n"
        "cli.main()\n"
    )
    clean = {k: v for k, v in os.environ.items() if k != "PGC_DEBUG"}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**clean, **env},
        cwd=cwd,
        timeout=60,
    )


def test_internal_error_masks_a_password_fragment_of_an_environment_url(tmp_path: Path) -> None:
    # libpq reads `u:hunter2/x9@h/db` as host `u` and port `hunter2`: no `u:…@` left to mask
    url = "postgresql://u:hunter2/x9@h/db"
    result = _crash('invalid port number: "hunter2"', tmp_path, {"DATABASE_URL": url})
    assert result.returncode == 3
    assert "hunter2" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_internal_error_masks_the_password_of_a_dotenv_url(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text('DIRECT_URL="postgresql://u:Wq7zPassw@127.0.0.1/db"\n')
    result = _crash("port Wq7zPassw is not a number", tmp_path, {})
    assert result.returncode == 3
    assert "Wq7zPassw" not in result.stderr


def test_internal_error_with_an_unreadable_dotenv_still_exits_3_with_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").mkdir()
    result = _crash("boom", tmp_path, {"DATABASE_URL": "not a url"})
    assert result.returncode == 3
    assert result.stderr.startswith("pgc: internal error (RuntimeError: boom)")
    assert len(result.stderr.strip().splitlines()) == 1
