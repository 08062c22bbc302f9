"""Read, plan and write `.env` files without losing a byte of what they already hold.

Planning is pure: python-dotenv's own parser (`parse_stream`) splits the text into bindings whose
original strings concatenate back to the file, so every binding that is not ours is copied
verbatim and ours are replaced in place or appended. Writing is the only I/O here: a temporary file
in the same directory, fsync, rename, fsync of the directory; a `.env.bak` with the previous
content; symlinks are never replaced silently.
"""

from __future__ import annotations

import bisect
import difflib
import io
import os
import re
import secrets
import signal
import stat
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from pgconnect_cli.conninfo import MASK, ConnInfo, ParseError, masked_uri, parse, to_uri
from pgconnect_cli.conninfo.redact import scrub
from pgconnect_cli.errors import PgcError, UsageError

BOM = "\ufeff"
NEW_FILE_MODE = 0o600
# A real .env is a few KB; python-dotenv's parser slows down badly on huge files, so every command
# that reads one refuses a file over this size.
MAX_ENV_BYTES = 1 << 20
BACKUP_SUFFIX = ".bak"

# Characters that some dialect treats specially inside double quotes: `$` (bash, docker compose,
# dotenv-expand), backtick (bash), `"` and `\` (escapes everywhere, each dialect its own set).
# Whitespace and control characters are refused too: they only reach a URL by mistake.
_UNSAFE_IN_DOUBLE_QUOTES = frozenset('$`"\\')
_NEWLINE = re.compile(r"\r\n|\n|\r")
_SHELL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class UnsafeValueError(ValueError):
    """A value cannot be written so that every .env dialect reads the same string."""


class Quote(str, Enum):
    NONE = "none"
    SINGLE = "single"
    DOUBLE = "double"


@dataclass(frozen=True)
class Statement:
    """One binding as python-dotenv reads it, with the pieces it was written in.

    `original` is the exact text (leading blank lines and comments included, as python-dotenv
    groups them).
    """

    key: str | None  # None for comments, blank lines and lines python-dotenv cannot parse
    value: str | None = field(repr=False)  # None for `KEY` without `=`
    original: str = field(repr=False)
    line: int  # 1-based line of the key (or of the first character for keyless statements)
    error: bool  # python-dotenv could not parse this line and skips it
    lead: str = ""  # whitespace before the statement (may hold blank lines)
    export: str = ""  # the `export ` prefix as written
    raw_key: str = ""  # the key as written (single-quoted keys keep their quotes)
    before_eq: str = ""  # whitespace between key and `=`
    eq: str = ""  # `=` and the whitespace after it; "" for `KEY` alone
    raw_value: str = field(default="", repr=False)  # the value as written, quotes included
    quote: Quote = Quote.NONE
    trailer: str = ""  # whitespace and comment after the value
    eol: str = ""  # the line ending ("" at the end of the file)


@dataclass(frozen=True)
class EnvDocument:
    bom: bool
    statements: tuple[Statement, ...]

    @property
    def text(self) -> str:
        return (BOM if self.bom else "") + "".join(s.original for s in self.statements)

    @property
    def bindings(self) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.key is not None)

    @property
    def errors(self) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.error)

    def last(self, key: str) -> Statement | None:
        """The binding loaders use: python-dotenv, bash, docker compose and Node all keep the last."""
        found = [s for s in self.statements if s.key == key]
        return found[-1] if found else None

    def values(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for s in self.bindings:
            assert s.key is not None
            out[s.key] = s.value
        return out

    @property
    def newline(self) -> str:
        """The file's line ending: CRLF when its first line ends that way, else LF."""
        m = _NEWLINE.search(self.text)
        return m.group(0) if m and m.group(0) == "\r\n" else "\n"


# --- parsing --------------------------------------------------------------------------------


def _split(original: str) -> dict[str, str]:
    """The pieces of a binding python-dotenv parsed without error (its grammar, step by step)."""
    pos = 0

    def take(pattern: str) -> str:
        nonlocal pos
        m = re.compile(pattern, re.DOTALL).match(original, pos)
        assert m is not None, "python-dotenv parsed this binding, so its grammar matches"
        pos = m.end()
        return m.group(0)

    parts = {"lead": take(r"\s*"), "export": take(r"(?:export[^\S\r\n]+)?")}
    parts["raw_key"] = take(r"'[^']+'" if original[pos : pos + 1] == "'" else r"[^=\#\s]+")
    parts["before_eq"] = take(r"[^\S\r\n]*")
    parts["eq"] = take(r"(?:=[^\S\r\n]*)?")
    raw_value = ""
    if parts["eq"] and not (len(parts["eq"]) > 1 and original[pos : pos + 1] == "#"):
        first = original[pos : pos + 1]
        if first == "'":
            raw_value = take(r"'(?:\\.|[^'\\])*'")
        elif first == '"':
            raw_value = take(r'"(?:\\.|[^"\\])*"')
        else:
            line = take(r"[^\r\n]*")
            m = re.search(r"\s+#.*", line)
            kept = line[: m.start()] if m else line
            raw_value = kept.rstrip()
            pos -= len(line) - len(raw_value)
    parts["raw_value"] = raw_value
    rest = original[pos:]
    m_eol = re.search(r"(\r\n|\n|\r)?$", rest)
    assert m_eol is not None
    parts["eol"] = m_eol.group(0)
    parts["trailer"] = rest[: len(rest) - len(parts["eol"])]
    return parts


def parse_document(text: str) -> EnvDocument:
    """Split `text` into python-dotenv's bindings; `document.text == text`, always."""
    from dotenv.parser import parse_stream

    bom = text.startswith(BOM)
    body = text[1:] if bom else text
    statements: list[Statement] = []
    # Line numbers come from the whole text: python-dotenv's own count is one too high after a
    # line it cannot parse that ends in CRLF (it counts the \r and the \n apart).
    starts = [0] + [m.end() for m in _NEWLINE.finditer(body)]
    offset = 0
    for b in parse_stream(io.StringIO(body)):
        original = b.original.string
        lead = re.match(r"\s*", original)
        skipped = lead.end() if (lead and (b.error or b.key is not None)) else 0
        line = bisect.bisect_right(starts, offset + skipped)
        if b.key is None or b.error:
            statements.append(Statement(None, None, original, line, error=b.error))
        else:
            p = _split(original)
            statements.append(
                Statement(
                    key=b.key,
                    value=b.value,
                    original=original,
                    line=line,
                    error=False,
                    lead=p["lead"],
                    export=p["export"],
                    raw_key=p["raw_key"],
                    before_eq=p["before_eq"],
                    eq=p["eq"],
                    raw_value=p["raw_value"],
                    quote={"'": Quote.SINGLE, '"': Quote.DOUBLE}.get(p["raw_value"][:1], Quote.NONE),
                    trailer=p["trailer"],
                    eol=p["eol"],
                )
            )
        offset += len(original)
    if "".join(s.original for s in statements) != body:  # pragma: no cover - python-dotenv invariant
        raise PgcError("python-dotenv's parser did not account for every byte of the file", exit_code=3)
    return EnvDocument(bom, tuple(statements))


# --- values ---------------------------------------------------------------------------------


def quote_value(value: str) -> str:
    """`"value"`: read as the same string by python-dotenv, bash `source`, docker compose and Node.

    Nothing is escaped because nothing needs to be: values that would need escaping are refused.
    """
    bad = sorted({c for c in value if c in _UNSAFE_IN_DOUBLE_QUOTES or c.isspace() or not c.isprintable()})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise UnsafeValueError(
            f"the value holds {shown}, which .env dialects read differently even inside double quotes"
        )
    return f'"{value}"'


def encode_url(ci: ConnInfo) -> str:
    """The URL rendered with user, password, database and parameters percent-encoded.

    It parses back to exactly the settings of `ci` (checked), and holds nothing that any .env
    dialect would expand or split.
    """
    encoded = to_uri(ci)
    try:
        again = parse(encoded)
    except ParseError:
        again = None
    if again is None or again.libpq_dict() != ci.libpq_dict():
        raise UnsafeValueError(
            "the URL does not survive re-encoding unchanged (its host or port holds characters "
            "a URL cannot carry)"
        )
    quote_value(encoded)
    return encoded


def masked_value(value: str | None) -> str:
    """What a diff or report may show of a value of ours: the URL with the password masked."""
    if not value:
        return value or ""
    try:
        return masked_uri(parse(value))
    except ParseError:
        return MASK


# --- planning -------------------------------------------------------------------------------


class Action(str, Enum):
    ADD = "added"
    REPLACE = "replaced"
    REQUOTE = "rewritten"  # same value as loaders read it, now written portably
    KEEP = "unchanged"
    BLOCKED = "blocked"  # holds another value and --force was not given


@dataclass(frozen=True)
class KeyChange:
    key: str
    action: Action
    line: int  # in the new text (in the old one when blocked or unchanged)
    old_value: str | None = field(default=None, repr=False)
    new_value: str = field(default="", repr=False)
    duplicates: tuple[int, ...] = ()  # earlier lines binding the same key (loaders ignore them)


@dataclass(frozen=True)
class EnvPlan:
    original: str = field(repr=False)
    text: str = field(repr=False)
    changes: tuple[KeyChange, ...]

    @property
    def conflicts(self) -> tuple[str, ...]:
        """Keys that already hold another value: changing them needs --force."""
        return tuple(c.key for c in self.changes if c.action is Action.BLOCKED)

    @property
    def changed(self) -> bool:
        return self.text != self.original

    @property
    def secrets(self) -> tuple[str, ...]:
        """Passwords in the old and new values, for scrubbing any text shown to the user."""
        out: list[str] = []
        for c in self.changes:
            for v in (c.old_value, c.new_value):
                if v:
                    try:
                        pw = parse(v).password
                    except ParseError:
                        pw = None
                    if pw:
                        out.append(pw)
        return tuple(out)


APPEND_HEADER = "# PostgreSQL: DATABASE_URL is pooled (the app), DIRECT_URL is direct (migrations, pg_dump)"


def plan_update(
    text: str, updates: Mapping[str, str], *, force: bool = False, header: str | None = APPEND_HEADER
) -> EnvPlan:
    """The new text with `updates` (key → value, unquoted) applied; nothing else changes.

    An existing key is replaced in place (the last binding, the one loaders use; its `export`
    prefix, inline comment and line ending are kept). A key holding another non-empty value is
    only replaced with `force`; without it nothing is changed at all and the plan lists it as
    blocked. Missing keys are appended, after a newline if the file lacked a final one.
    """
    for key in updates:
        if not _SHELL_NAME.fullmatch(key):
            raise UsageError(f"{key!r} is not a valid variable name")
    quoted = {k: quote_value(v) for k, v in updates.items()}
    doc = parse_document(text)
    nl = doc.newline
    replace: dict[int, str] = {}  # statement index -> new original
    changes: list[KeyChange] = []
    for key, value in updates.items():
        indices = [i for i, s in enumerate(doc.statements) if s.key == key]
        if not indices:
            changes.append(KeyChange(key, Action.ADD, 0, None, value))
            continue
        i = indices[-1]
        s = doc.statements[i]
        dups = tuple(doc.statements[j].line for j in indices[:-1])
        # a comment glued to the closing quote would become part of the value for bash
        trailer = s.trailer if not s.trailer or s.trailer[0].isspace() else " " + s.trailer
        new_line = f"{s.lead}{s.export}{key}={quoted[key]}{trailer}{s.eol}"
        if s.value == value:
            action = Action.KEEP if new_line == s.original else Action.REQUOTE
        elif s.value and not force:
            action = Action.BLOCKED
        else:
            action = Action.REPLACE
        changes.append(KeyChange(key, action, s.line, s.value, value, dups))
        if action in (Action.REPLACE, Action.REQUOTE):
            replace[i] = new_line

    if any(c.action is Action.BLOCKED for c in changes):
        return EnvPlan(text, text, tuple(changes))

    body = "".join(replace.get(i, s.original) for i, s in enumerate(doc.statements))
    prefix = BOM if doc.bom else ""
    added = [c.key for c in changes if c.action is Action.ADD]
    if added:
        if body and not body.endswith(("\n", "\r")):
            body += nl
        block = []
        if header and header not in body:
            if body.strip():
                block.append("")
            block.append(header)
        block += [f"{k}={quoted[k]}" for k in added]
        body += nl.join(block) + nl
    new_text = prefix + body
    new_doc = parse_document(new_text)
    final = []
    for c in changes:
        if c.action in (Action.ADD, Action.REPLACE, Action.REQUOTE):
            s_new = new_doc.last(c.key)
            assert s_new is not None and s_new.value == c.new_value, "the plan reads back as written"
            c = KeyChange(c.key, c.action, s_new.line, c.old_value, c.new_value, c.duplicates)
        final.append(c)
    return EnvPlan(text, new_text, tuple(final))


def _masked_text(text: str, keys: Iterable[str], secrets_: Iterable[str]) -> str:
    doc = parse_document(text)
    ours = set(keys)
    out = []
    for s in doc.statements:
        if s.key in ours:
            shown = f'"{masked_value(s.value)}"' if s.value else s.raw_value
            out.append(f"{s.lead}{s.export}{s.raw_key}{s.before_eq}{s.eq}{shown}{s.trailer}{s.eol}")
        else:
            out.append(s.original)
    return scrub("".join(out), secrets_)


def render_diff(plan: EnvPlan, label: str) -> str:
    """A unified diff of the plan with no context lines (other lines may hold other secrets)
    and our values masked."""
    keys = [c.key for c in plan.changes]
    old_text = _masked_text(plan.original, keys, plan.secrets)
    if old_text and not old_text.endswith(("\n", "\r")):
        # the final newline pgc adds is not worth showing: it would print another key's line
        old_text += parse_document(plan.original).newline
    old = old_text.splitlines(keepends=True)
    new = _masked_text(plan.text, keys, plan.secrets).splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, fromfile=f"{label} (now)", tofile=f"{label} (new)", n=0)
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)


# --- reading and writing --------------------------------------------------------------------


@dataclass(frozen=True)
class EnvFile:
    path: Path  # the path to write: the symlink's target when following one
    exists: bool
    text: str = field(repr=False)
    raw: bytes = field(repr=False)
    mode: int | None  # permission bits of the existing file
    symlink_to: str | None = None  # set when `path` was reached through a symlink
    stream: bool = False  # a pipe or device (`/dev/stdin`, `<(…)`): read once, never written


def is_stream(path: Path) -> bool:
    """A pipe or character device (`/dev/stdin`, `/dev/fd/N`, a FIFO): read as a stream, not a file."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)


def _decode(path: Path, raw: bytes, size: int) -> str:
    if len(raw) > MAX_ENV_BYTES or size > MAX_ENV_BYTES:
        shown = max(size, len(raw)) / (1 << 20)
        raise UsageError(f"{path}: too large for a .env file ({shown:.1f} MiB; pgc reads up to 1 MiB)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text (python-dotenv reads .env files as UTF-8)") from None


def _read_stream(path: Path) -> EnvFile:
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_ENV_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    return EnvFile(path, True, _decode(path, raw, 0), raw, None, stream=True)


def _refuse_symlink(path: Path) -> UsageError:
    target = os.readlink(path)
    return UsageError(
        f"{path} is a symbolic link to {target}; pgc does not replace it silently "
        f"(pass --follow-symlinks to write {target} instead)"
    )


def read_env_file(path: Path, *, follow_symlinks: bool = False) -> EnvFile:
    """The file as it is now (missing is fine: an empty, new file). Refuses symlinks unless told.

    A stream (`/dev/stdin`, a FIFO) is read once, whatever the symlinks leading to it."""
    if is_stream(path):
        return _read_stream(path)
    link: str | None = None
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        if not follow_symlinks:
            raise _refuse_symlink(path)
        link = os.readlink(path)
        path = Path(os.path.realpath(path))
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            st = None
    if not path.parent.is_dir():
        raise UsageError(f"{path.parent}: no such directory")
    if st is None:
        return EnvFile(path, False, "", b"", None, link)
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(f"{path}: not a regular file")
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_ENV_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    text = _decode(path, raw, st.st_size)
    return EnvFile(path, True, text, raw, stat.S_IMODE(st.st_mode), link)


@dataclass(frozen=True)
class WriteResult:
    path: Path
    created: bool
    mode: int
    backup: Path | None


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a directory; the rename itself is done
    finally:
        os.close(fd)


# pgc's temporary files: `.NAME.pgc-<hex>.tmp` beside NAME. The `.gitignore` line pgc adds for them
# is this pattern, so a temporary copy of `.env` left by a crash (SIGKILL, power loss) stays out of git.
TEMP_PATTERN = ".*.pgc-*.tmp"
# Only the tests set it: the name of a file whose write pauses (temporary file written, not yet
# renamed) after printing a line on stderr, so a test can signal pgc at that exact moment.
_PAUSE_HOOK = "PGC_TEST_PAUSE_WRITE"


def temp_path(path: Path, token: str | None = None) -> Path:
    """Where `path` is written first: hidden, beside it, matched by TEMP_PATTERN."""
    name = path.name if path.name.startswith(".") else "." + path.name
    return path.parent / f"{name}.pgc-{token or secrets.token_hex(6)}.tmp"


class Terminated(SystemExit):
    """SIGTERM or SIGHUP arrived during a write: unwinds (removing the temporary file), then exits
    with 128 + the signal number, as the shell reports a process the signal killed."""


@contextmanager
def _signals_unwind() -> Iterator[None]:
    """SIGTERM and SIGHUP raise `Terminated` while a secret file is written, so `finally` blocks run.

    Left alone when a handler other than the default is installed (the CLI's own, a host
    program's) or off the main thread, where Python cannot install one."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def unwind(signum: int, _frame: object) -> None:
        from pgconnect_cli.signals import unwinding

        if unwinding():  # a burst of signals: the first one's cleanup runs to its end
            return
        sys.stderr.write(f"pgc: terminated by {signal.Signals(signum).name}\n")
        raise Terminated(128 + signum)

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) is signal.SIG_DFL:
            previous[signum] = signal.signal(signum, unwind)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _pause_for_tests(path: Path) -> None:
    if os.environ.get(_PAUSE_HOOK) != path.name:
        return
    sys.stderr.write(f"pgc-test: paused writing {path.name}\n")
    sys.stderr.flush()
    while True:
        time.sleep(3600)


def write_atomic(path: Path, data: bytes, *, mode: int, owner: tuple[int, int] | None = None) -> None:
    """Replace `path` with `data` so that a reader sees the old or the new file, never a mix.

    The temporary file is created 0600 next to the target (O_EXCL, never following a symlink),
    written, fsynced, given `mode` (and `owner` when possible), renamed over the target; then the
    directory is fsynced so the rename survives a crash. `path` itself is replaced, never a file it
    may link to. On any failure, Ctrl-C, SIGTERM or SIGHUP included, the temporary file is removed
    and the target is untouched.
    """
    directory = path.parent
    tmp = temp_path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    created = False
    with _signals_unwind():
        try:
            fd = os.open(tmp, flags, 0o600)
            created = True
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
                if owner is not None and hasattr(os, "fchown"):
                    try:
                        os.fchown(fd, *owner)
                    except OSError:
                        pass  # not ours to give away; the mode still protects it
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, mode)
            finally:
                os.close(fd)
            if not hasattr(os, "fchmod"):  # Windows before Python 3.13
                os.chmod(tmp, mode)
            _pause_for_tests(path)
            os.replace(tmp, path)
        except BaseException as exc:
            # our O_EXCL name is random: it exists only if we created it (a signal can land
            # between os.open returning and `created` being set)
            if created or not isinstance(exc, FileExistsError):
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
            raise
    _fsync_dir(directory)


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + BACKUP_SUFFIX)


def write_env(current: EnvFile, text: str) -> WriteResult:
    """Write `text` over `current` (as read by `read_env_file`), keeping a `.env.bak`.

    A new file is 0600; an existing one keeps its mode and owner. The backup (0600) holds the
    previous bytes. If the file changed since it was read, nothing is written.
    """
    path = current.path
    if current.stream:
        raise UsageError(f"{path}: a stream, not a file pgc can write")
    try:
        st: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        st = None
    try:
        same = st is not None and stat.S_ISREG(st.st_mode) and path.read_bytes() == current.raw
    except OSError:
        same = False
    if current.exists != (st is not None) or (current.exists and not same):
        raise UsageError(f"{path} changed while pgc was working; nothing was written, run it again")
    bak: Path | None = None
    try:
        if current.exists and st is not None:
            bak = backup_path(path)
            write_atomic(bak, current.raw, mode=NEW_FILE_MODE)
            mode = stat.S_IMODE(st.st_mode)
            write_atomic(path, text.encode("utf-8"), mode=mode, owner=(st.st_uid, st.st_gid))
        else:
            mode = NEW_FILE_MODE
            write_atomic(path, text.encode("utf-8"), mode=mode)
    except OSError as exc:
        where = exc.filename or path
        raise UsageError(f"{where}: cannot write ({exc.strerror}); {path} is unchanged") from None
    return WriteResult(path, not current.exists, mode, bak)
