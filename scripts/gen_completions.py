"""Regenerate completions/ from the command tree (`make completions`)."""

from __future__ import annotations

from pathlib import Path

from pgconnect_cli.cli.completion import FILENAMES, script

if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "completions"
    out.mkdir(exist_ok=True)
    for shell, name in FILENAMES.items():
        (out / name).write_text(script(shell))
        print(f"wrote completions/{name}")
