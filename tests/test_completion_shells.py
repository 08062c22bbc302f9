"""TAB completion as a user meets it: zsh's first TAB in a new shell (a real zsh under a pty),
`pgc exec TOOL -<TAB>` leaving the tool's words alone, provider names for `env init --provider`,
and `pgc exec -- -mytool` running a tool whose name starts with a dash."""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgconnect_cli.cli.completion import Shell, script
from tests.helpers import cli, pgc

BIN = str(Path(sys.executable).parent)


def _complete(words: str) -> list[str]:
    """What bash completion offers for `words` (the last word is being completed)."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    result = pgc(env={"_PGC_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)})
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


# --- pgc exec and the short forms ---------------------------------------------------------------


def test_exec_offers_its_own_options_before_the_tool() -> None:
    assert "--dry-run" in _complete("pgc exec -")


@pytest.mark.parametrize("words", ["pgc exec psql -", "pgc exec psql -c x -", "pgc psql -c x -"])
def test_exec_offers_no_pgc_option_among_the_tools_words(words: str) -> None:
    assert _complete(words) == []


def test_short_form_offers_its_options_before_the_tools_words() -> None:
    assert "--dry-run" in _complete("pgc psql --d")


def test_exec_after_double_dash_runs_a_tool_named_with_a_dash(isolation: Path) -> None:
    result = cli("exec", "--url", "postgresql://u@127.0.0.1:1/db", "--", "-mytool")
    assert result.exit_code == 127
    assert "no such option" not in result.stderr
    assert "-mytool: command not found" in result.stderr


def test_exec_unknown_option_before_the_tool_is_still_no_such_option(isolation: Path) -> None:
    result = cli("exec", "--bogus", "psql")
    assert (result.exit_code, result.stderr.startswith("pgc: error: no such option: --bogus")) == (2, True)


# --- env init --provider ------------------------------------------------------------------------


def test_env_init_provider_completes_provider_names() -> None:
    assert _complete("pgc env init --provider ") == [
        "neon",
        "supabase",
        "prisma-postgres",
        "azure",
        "generic",
        "local",
    ]
    assert _complete("pgc env init --provider su") == ["supabase"]


def test_provider_names_for_completion_are_the_use_cases_choices() -> None:
    from pgconnect_cli.cli.env import _complete_provider
    from pgconnect_cli.usecases.env_init import PROVIDER_CHOICES

    assert tuple(_complete_provider("")) == PROVIDER_CHOICES


def test_ignore_completes_finding_ids() -> None:
    assert _complete("pgc url check --ignore sslmode-mi") == ["sslmode-missing"]


# --- zsh, installed as the README says ------------------------------------------------------------


class _Terminal:
    """An interactive shell on a pseudo-terminal: type keys, read until a text appears."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the shell
            os.execvpe(argv[0], argv, env)
        self.seen = b""

    def read_until(self, text: bytes, limit_s: float = 30.0) -> bool:
        """Read until `text` was shown (True) or the shell stays silent for `limit_s` (False)."""
        while text not in self.seen:
            ready, _, _ = select.select([self.fd], [], [], limit_s)
            if not ready:
                return False
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                return False
            if not chunk:
                return False
            self.seen += chunk
        return True

    def type(self, keys: bytes) -> None:
        self.seen = b""
        os.write(self.fd, keys)

    def close(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


@pytest.fixture
def zsh_with_pgc_in_fpath(tmp_path: Path) -> Iterator[_Terminal]:
    """A new interactive zsh whose $fpath holds completions/pgc.zsh as `_pgc` (the README's way)."""
    zsh = shutil.which("zsh")
    if zsh is None:
        pytest.fail("zsh is not installed: run scripts/system-deps.sh (it installs zsh and fish)")
    functions = tmp_path / "functions"
    functions.mkdir()
    (functions / "_pgc").write_text(script(Shell.zsh))
    (tmp_path / ".zshrc").write_text(
        f"fpath=({functions} $fpath)\nautoload -Uz compinit\ncompinit -u -d {tmp_path}/.zcompdump\n"
        "PROMPT='READY> '\n"
    )
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "ZDOTDIR": str(tmp_path), "HOME": str(tmp_path), "TERM": "dumb"}
    terminal = _Terminal([zsh, "-i"], env)
    try:
        assert terminal.read_until(b"READY> "), terminal.seen
        yield terminal
    finally:
        terminal.close()


def test_zsh_completes_on_the_first_tab_in_a_new_shell(zsh_with_pgc_in_fpath: _Terminal) -> None:
    zsh_with_pgc_in_fpath.type(b"pgc expl\t")
    assert zsh_with_pgc_in_fpath.read_until(b"pgc explain "), zsh_with_pgc_in_fpath.seen


def test_zsh_completes_on_every_later_tab_too(zsh_with_pgc_in_fpath: _Terminal) -> None:
    zsh_with_pgc_in_fpath.type(b"pgc expl\t")
    assert zsh_with_pgc_in_fpath.read_until(b"pgc explain ")
    zsh_with_pgc_in_fpath.type(b"\x15pgc compl\t")  # Ctrl-U clears the line
    assert zsh_with_pgc_in_fpath.read_until(b"pgc completion "), zsh_with_pgc_in_fpath.seen


def test_zsh_script_sourced_from_zshrc_completes_too(tmp_path: Path) -> None:
    zsh = shutil.which("zsh")
    if zsh is None:
        pytest.fail("zsh is not installed: run scripts/system-deps.sh (it installs zsh and fish)")
    (tmp_path / "pgc.zsh").write_text(script(Shell.zsh))
    (tmp_path / ".zshrc").write_text(
        f"autoload -Uz compinit\ncompinit -u -d {tmp_path}/.zcompdump\nsource {tmp_path}/pgc.zsh\n"
        "PROMPT='READY> '\n"
    )
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "ZDOTDIR": str(tmp_path), "HOME": str(tmp_path), "TERM": "dumb"}
    terminal = _Terminal([zsh, "-i"], env)
    try:
        assert terminal.read_until(b"READY> ")
        terminal.type(b"pgc expl\t")
        assert terminal.read_until(b"pgc explain "), terminal.seen
    finally:
        terminal.close()
