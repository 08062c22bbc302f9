"""The machine the lab runs on: the servers' account, child tools, private files and directories."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
import string
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgconnect_cli.lab.errors import LabError

MARKER = ".pgc-lab"


STARTUP_TIMEOUT = 30.0


PASSWORD_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class RunAs:
    """The unprivileged account the servers run as when `pgc` itself runs as root."""

    user: str
    uid: int
    gid: int


def server_identity(user: str = "nobody") -> RunAs | None:
    """None when the servers can run as the current user (anyone but root)."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise LabError(
            f"user {user!r} not found: PostgreSQL refuses to run as root and the lab needs an "
            "unprivileged account to run it"
        ) from None
    return RunAs(user=user, uid=entry.pw_uid, gid=entry.pw_gid)


def run_as_to_json(run_as: RunAs | None) -> dict[str, Any] | None:
    return None if run_as is None else {"user": run_as.user, "uid": run_as.uid, "gid": run_as.gid}


def run_as_from_json(data: Mapping[str, Any] | None) -> RunAs | None:
    return None if data is None else RunAs(str(data["user"]), int(data["uid"]), int(data["gid"]))


def child_env() -> dict[str, str]:
    # PG* variables would leak into initdb/pg_ctl/postgres (PGPORT sets the server's port).
    kept = {k: v for k, v in os.environ.items() if not k.startswith("PG") and not k.startswith("LC_")}
    kept["LC_ALL"] = "C"
    kept["LANG"] = "C"
    return kept


def _identity_env(run_as: RunAs | None) -> dict[str, str]:
    """HOME and USER of the account the child runs as: libpq in pg_basebackup or a standby's WAL
    receiver reads ~/.postgresql/, and root's home is closed to `nobody` (EACCES fails the login)."""
    if run_as is None:
        return {}
    import pwd

    try:
        home = pwd.getpwuid(run_as.uid).pw_dir
    except KeyError:
        home = "/nonexistent"
    return {"HOME": home, "USER": run_as.user, "LOGNAME": run_as.user}


def run_tool(
    args: Sequence[str | os.PathLike[str]],
    *,
    run_as: RunAs | None,
    cwd: Path | None = None,
    timeout: float = STARTUP_TIMEOUT,
    extra_env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a tool with a clean environment (plus `extra_env`, e.g. PGPASSFILE) as `run_as`."""
    extra: dict[str, Any] = {}
    if run_as is not None:
        extra = {"user": run_as.uid, "group": run_as.gid, "extra_groups": []}
    try:
        return subprocess.run(
            [os.fspath(a) for a in args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env={**child_env(), **_identity_env(run_as), **(extra_env or {})},
            cwd=cwd,
            timeout=timeout,
            umask=0o077,
            check=False,
            **extra,
        )
    except subprocess.TimeoutExpired:
        raise LabError(f"{Path(os.fspath(args[0])).name} did not finish within {timeout:.0f} s") from None
    except OSError as exc:
        raise LabError(f"cannot run {os.fspath(args[0])}: {exc.strerror or exc}") from None


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def check_ok(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        raise LabError(f"{what} failed: {last_line(result.stderr or result.stdout)}")


def log_failure(log_file: Path) -> str:
    try:
        lines = log_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "no log"
    for line in reversed(lines):
        if "FATAL" in line or "ERROR" in line:
            return line.strip()
    return last_line("\n".join(lines))


def chown_to(path: Path, run_as: RunAs | None) -> None:
    if run_as is not None:
        os.chown(path, run_as.uid, run_as.gid, follow_symlinks=False)


def write_private(path: Path, text: str, run_as: RunAs | None = None, mode: int = 0o600) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, mode)
    chown_to(path, run_as)


def read_secret(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise LabError(f"cannot read {path}: {exc.strerror or exc}") from None


def generate_password(length: int = 24) -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


def blocked_ancestor(path: Path, run_as: RunAs) -> Path | None:
    """The first ancestor of `path` that `run_as` cannot enter, or None."""
    for directory in [path, *path.parents]:
        try:
            st = directory.stat()
        except FileNotFoundError:
            continue
        if st.st_uid == run_as.uid:
            ok = bool(st.st_mode & stat.S_IXUSR)
        elif st.st_gid == run_as.gid:
            ok = bool(st.st_mode & stat.S_IXGRP)
        else:
            ok = bool(st.st_mode & stat.S_IXOTH)
        if not ok:
            return directory
    return None


def require_reachable(directory: Path, run_as: RunAs | None) -> None:
    if run_as is None:
        return
    blocked = blocked_ancestor(directory.parent, run_as)
    if blocked is not None:
        raise LabError(
            f"{blocked} cannot be entered by user {run_as.user}, which the servers run as "
            f"(PostgreSQL refuses root): choose a --dir elsewhere, e.g. under /var/tmp"
        )


def make_owned_dir(directory: Path, run_as: RunAs | None, *, mode: int = 0o700, marker: bool = True) -> None:
    """Create `directory` (or adopt an existing empty one that we own), hand it to `run_as`."""
    claim_directory(directory)
    # The servers' user must be able to pass through a parent created here (root runs them as nobody).
    reachable = run_as is not None or mode & 0o011
    directory.parent.mkdir(mode=0o711 if reachable else 0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        directory.mkdir(mode=mode)
    # Checked again after mkdir: in a shared directory such as /var/tmp someone else could have
    # put a symlink or their own directory there in between.
    claim_directory(directory)
    os.chmod(directory, mode)
    chown_to(directory, run_as)
    if marker:
        write_private(
            directory / MARKER, "pgconnect lab directory: 'pgc lab down' removes it\n", run_as, mode=0o644
        )


def claim_directory(directory: Path) -> None:
    """Refuse a path we must not take over: a symlink, a file, someone else's or a non-empty dir."""
    try:
        st = directory.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise LabError(f"{directory} is a symbolic link: refusing to use it as a lab directory")
    if not stat.S_ISDIR(st.st_mode):
        raise LabError(f"{directory} exists and is not a directory")
    if st.st_uid != os.geteuid():
        raise LabError(f"{directory} belongs to another user (uid {st.st_uid}): refusing to use it")
    if any(directory.iterdir()):
        raise LabError(f"{directory} is not empty and is not a pgc lab directory: refusing to use it")


def is_lab_dir(directory: Path) -> bool:
    return directory.is_dir() and not directory.is_symlink() and (directory / MARKER).is_file()


def remove_tree(directory: Path) -> None:
    if not directory.exists() and not directory.is_symlink():
        return
    if not is_lab_dir(directory):
        raise LabError(f"{directory} is not a pgc lab directory (no {MARKER} marker): not removing it")
    try:
        shutil.rmtree(directory)
    except OSError as exc:
        raise LabError(f"cannot remove {directory}: {exc.strerror or exc}") from None


def discard(directory: Path, stop_dir: Callable[[Path], None]) -> None:
    """Stop the lab process that runs in `directory` (`stop_dir`), then remove the directory."""
    stop_dir(directory)
    remove_tree(directory)


@contextlib.contextmanager
def server_directory(
    directory: Path, run_as: RunAs | None, stop_dir: Callable[[Path], None]
) -> Iterator[None]:
    """Around one server's start: create its `directory` (owned by `run_as`); when the start fails
    or is interrupted, stop what it started there and remove the directory again."""
    require_reachable(directory, run_as)
    make_owned_dir(directory, run_as)
    try:
        yield
    except BaseException:
        with contextlib.suppress(LabError):
            discard(directory, stop_dir)
        raise


def absolute(directory: Path | str) -> Path:
    # Normalised like pg_ctl's canonicalize_path, so the -D argument we later look for in a
    # process's command line is the very string we passed.
    return Path(os.path.abspath(Path(directory).expanduser()))
