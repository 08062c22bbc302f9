from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
    powershell = "powershell"


# The files in completions/ (zsh: install it as `_pgc` in a directory of $fpath).
FILENAMES = {
    Shell.bash: "pgc.bash",
    Shell.zsh: "pgc.zsh",
    Shell.fish: "pgc.fish",
    Shell.powershell: "pgc.ps1",
}


def script(shell: Shell) -> str:
    """The completion script; the files in completions/ are exactly these (a test checks it)."""
    from typer._completion_shared import get_completion_script

    text = get_completion_script(prog_name="pgc", complete_var="_PGC_COMPLETE", shell=shell.value)
    if shell is Shell.zsh:
        text = text.replace(_ZSH_REGISTER, _ZSH_AUTOLOAD)
    return text.rstrip("\n") + "\n"


# Installed as `_pgc` in $fpath, the file is the body of an autoloaded function that zsh runs on
# on every TAB: registering the real function there (typer's `compdef` line) completes nothing
# on the first TAB. Run as `_pgc`, complete at once, every time; sourced or eval'ed, register it.
_ZSH_REGISTER = "compdef _pgc_completion pgc"
_ZSH_AUTOLOAD = """if [[ "${funcstack[1]}" == _pgc ]]; then
  _pgc_completion "$@"
else
  compdef _pgc_completion pgc
fi"""


def completion(
    shell: Annotated[Shell, typer.Argument(help="bash, zsh, fish or powershell.", case_sensitive=False)],
) -> None:
    """Print the shell completion script.

    Install it, e.g.: pgc completion bash > ~/.local/share/bash-completion/completions/pgc
    """
    typer.echo(script(shell), nl=False)
