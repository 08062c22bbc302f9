"""Regenerate completions/ from the command tree (`make completions`)."""

from __future__ import annotations

from pathlib import Path

from pgconnect_cli.cli.completion import Shell, script

FILES = {Shell.bash: "pgc.bash", Shell.zsh: "_pgc", Shell.fish: "pgc.fish", Shell.powershell: "pgc.ps1"}

if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "completions"
    out.mkdir(exist_ok=True)
    for shell, name in FILES.items():
        (out / name).write_text(script(shell))
        print(f"wrote completions/{name}")
