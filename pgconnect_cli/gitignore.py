"""Is a file kept out of git? Make it so.

Git answers, not a reimplementation of its rules: `git check-ignore` knows every .gitignore,
`.git/info/exclude` and `core.excludesFile`. The one write is appending to a .gitignore,
atomically and keeping its content.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pgconnect_cli.dotenv_file import write_atomic
from pgconnect_cli.errors import UsageError

GITIGNORE_MODE = 0o644
_GIT_TIMEOUT_S = 10


class GitStatus(str, Enum):
    NO_REPO = "no-repo"  # not inside a git work tree (or git is not installed)
    IGNORED = "ignored"
    NOT_IGNORED = "not-ignored"
    TRACKED = "tracked"  # committed already: a .gitignore entry no longer helps


def _git(directory: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        return subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None


def toplevel(directory: Path) -> Path | None:
    """The work tree that holds `directory`, or None outside a repository."""
    if not directory.is_dir():
        return None
    done = _git(directory, "rev-parse", "--show-toplevel")
    if done is None or done.returncode != 0 or not done.stdout.strip():
        return None
    return Path(done.stdout.strip())


def status(path: Path) -> GitStatus:
    directory = path.parent
    if toplevel(directory) is None:
        return GitStatus.NO_REPO
    tracked = _git(directory, "ls-files", "--error-unmatch", "--", path.name)
    if tracked is not None and tracked.returncode == 0:
        return GitStatus.TRACKED
    ignored = _git(directory, "check-ignore", "-q", "--", path.name)
    if ignored is None or ignored.returncode not in (0, 1):
        return GitStatus.NO_REPO
    return GitStatus.IGNORED if ignored.returncode == 0 else GitStatus.NOT_IGNORED


@dataclass(frozen=True)
class IgnoreResult:
    gitignore: Path | None  # the file changed (or that would be, in a dry run)
    added: tuple[str, ...]  # patterns appended
    tracked: tuple[str, ...]  # names already committed
    in_repo: bool


def plan_gitignore(text: str, names: Sequence[str]) -> str:
    """`text` with one line per name appended, every existing byte kept."""
    if not names:
        return text
    nl = "\r\n" if "\r\n" in text else "\n"
    out = text
    if out and not out.endswith(("\n", "\r")):
        out += nl
    return out + nl.join(names) + nl


def ensure_ignored(
    paths: Sequence[Path], *, patterns: Sequence[tuple[str, str]] = (), dry_run: bool = False
) -> IgnoreResult:
    """Add each of `paths` (siblings, e.g. .env and .env.bak) that git does not ignore yet to the
    .gitignore of their directory; likewise each pattern line of `patterns` (pattern, an example
    name it must cover), e.g. pgc's temporary files."""
    if not paths:
        return IgnoreResult(None, (), (), False)
    directory = paths[0].parent
    states = {p.name: status(p) for p in paths}
    if all(s is GitStatus.NO_REPO for s in states.values()):
        return IgnoreResult(None, (), (), False)
    tracked = tuple(n for n, s in states.items() if s is GitStatus.TRACKED)
    missing = tuple(n for n, s in states.items() if s is GitStatus.NOT_IGNORED)
    missing += tuple(
        line for line, example in patterns if status(directory / example) is GitStatus.NOT_IGNORED
    )
    gitignore = directory / ".gitignore"
    if not missing:
        return IgnoreResult(None, (), tracked, True)
    if not dry_run:
        if gitignore.is_symlink():
            raise UsageError(f"{gitignore} is a symbolic link; add {', '.join(missing)} to it yourself")
        try:
            current = gitignore.read_bytes()
            mode = os.stat(gitignore).st_mode & 0o7777
        except FileNotFoundError:
            current, mode = b"", GITIGNORE_MODE
        text = current.decode("utf-8", errors="surrogateescape")
        new = plan_gitignore(text, missing).encode("utf-8", errors="surrogateescape")
        write_atomic(gitignore, new, mode=mode)
    return IgnoreResult(gitignore, missing, tracked, True)
