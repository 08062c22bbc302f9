"""`pgc exec` end to end against the lab: real psql, pg_dump, pg_restore, PostgreSQL and PgBouncer."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg
import pytest

from pgconnect_cli import lab as pgc_lab
from tests.helpers import pgc, write_env

pytestmark = pytest.mark.live

MakeRole = Callable[..., pgc_lab.Role]
SHOW_PORT_AND_PATH = "select inet_server_port(), current_setting('search_path')"


def port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def dbname_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@pytest.fixture
def schema(direct_url: str) -> Iterator[str]:
    """A fresh schema owned by the lab's role, dropped after the test."""
    name = f"exec_{secrets.token_hex(4)}"
    with psycopg.connect(direct_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    yield name
    with psycopg.connect(direct_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


# --------------------------------------------------------------------------- which URL


def test_psql_reaches_the_direct_server_with_the_prisma_schema(
    tmp_path: Path, direct_url: str, pooled_url: str
) -> None:
    write_env(
        tmp_path / ".env",
        DATABASE_URL=pooled_url + "&pgbouncer=true&schema=app",
        DIRECT_URL=direct_url + "&schema=app",
    )
    result = pgc("exec", "psql", "-Atc", SHOW_PORT_AND_PATH)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{port_of(direct_url)}|app\n"


def test_schema_of_database_url_applies_when_direct_url_has_none(
    tmp_path: Path, direct_url: str, pooled_url: str
) -> None:
    write_env(
        tmp_path / ".env", DATABASE_URL=pooled_url + "&pgbouncer=true&schema=app", DIRECT_URL=direct_url
    )
    result = pgc("exec", "psql", "-Atc", SHOW_PORT_AND_PATH)
    assert result.stdout == f"{port_of(direct_url)}|app\n"
    assert "pgc: warning: DATABASE_URL sets schema=app but DIRECT_URL does not" in result.stderr


def test_short_form_psql_behaves_like_exec_psql(tmp_path: Path, direct_url: str) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=direct_url)
    result = pgc("psql", "-Atc", "select inet_server_port()")
    assert result.stdout == f"{port_of(direct_url)}\n"


def test_pooled_only_database_url_exits_2_naming_direct_url(tmp_path: Path, pooled_url: str) -> None:
    write_env(tmp_path / ".env", DATABASE_URL=pooled_url + "&pgbouncer=true")
    result = pgc("exec", "psql", "-c", "select 1")
    assert result.returncode == 2
    assert "DIRECT_URL" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_allow_pooled_reaches_the_pooler(tmp_path: Path, pooled_url: str) -> None:
    write_env(tmp_path / ".env", DATABASE_URL=pooled_url + "&pgbouncer=true&schema=app")
    result = pgc("exec", "--allow-pooled", "psql", "-Atc", "select 1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\n"


def test_generic_tool_sees_the_direct_url_in_database_url(
    tmp_path: Path, direct_url: str, pooled_url: str
) -> None:
    write_env(tmp_path / ".env", DATABASE_URL=pooled_url + "&pgbouncer=true", DIRECT_URL=direct_url)
    result = pgc("exec", "sh", "-c", 'printf %s "$DATABASE_URL"')
    assert result.stdout == direct_url


def test_python_driver_connects_with_the_database_url_it_is_given(
    tmp_path: Path, direct_url: str, pooled_url: str
) -> None:
    # psycopg rejects Prisma's parameters: pgc hands python a URL without them
    write_env(
        tmp_path / ".env",
        DATABASE_URL=pooled_url + "&pgbouncer=true&schema=app",
        DIRECT_URL=direct_url + "&schema=app&connection_limit=1",
    )
    code = (
        "import os, psycopg\n"
        "with psycopg.connect(os.environ['DATABASE_URL']) as c:\n"
        f"    print(*c.execute({SHOW_PORT_AND_PATH!r}).fetchone())\n"
    )
    result = pgc("exec", sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{port_of(direct_url)} app\n"


# --------------------------------------------------------------------------- libpq settings


def test_pg_dump_and_pg_restore_round_trip_a_table(tmp_path: Path, direct_url: str, schema: str) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=direct_url)
    with psycopg.connect(direct_url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {schema}.t (id int PRIMARY KEY, note text)")
        conn.execute(f"INSERT INTO {schema}.t VALUES (1, 'one'), (2, 'two')")

    dumped = pgc("exec", "pg_dump", "-Fc", "-n", schema, "-f", "t.dump")
    assert dumped.returncode == 0, dumped.stderr
    with psycopg.connect(direct_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
    restored = pgc("pg_restore", "-d", dbname_of(direct_url), "t.dump")
    assert restored.returncode == 0, restored.stderr

    with psycopg.connect(direct_url) as conn:
        rows = conn.execute(f"SELECT id, note FROM {schema}.t ORDER BY id").fetchall()
    assert rows == [(1, "one"), (2, "two")]


def test_password_with_reserved_characters_works_through_the_passfile(
    tmp_path: Path, make_role: MakeRole
) -> None:
    role = make_role("pgc_exec_odd", "a:b\\c@d e#f'g")
    write_env(tmp_path / ".env", DIRECT_URL=role.url())
    result = pgc("exec", "psql", "-Atc", "select current_user")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "pgc_exec_odd\n"


def test_url_without_a_password_uses_the_users_own_password_file(tmp_path: Path, make_role: MakeRole) -> None:
    role = make_role("pgc_exec_pgpass", "from-my-pgpass")
    pgpass = tmp_path / "my.pgpass"
    pgpass.write_text("*:*:*:pgc_exec_pgpass:from-my-pgpass\n")
    pgpass.chmod(0o600)
    write_env(tmp_path / ".env", DIRECT_URL=role.url().replace(":" + quote("from-my-pgpass") + "@", "@"))
    result = pgc("exec", "psql", "-Atc", "select current_user", env={"PGPASSFILE": str(pgpass)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "pgc_exec_pgpass\n"


def test_settings_without_a_pg_variable_reach_libpq_through_the_service_file(
    tmp_path: Path, direct_url: str
) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=direct_url + "&keepalives=1&keepalives_idle=30")
    result = pgc("exec", "psql", "-Atc", "select 1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\n"


def test_schema_that_needs_quoting_reaches_the_server_as_prisma_names_it(
    tmp_path: Path, direct_url: str
) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=direct_url + "&schema=" + quote("My Schema"))
    result = pgc("exec", "psql", "-Atc", "select current_setting('search_path')")
    assert result.returncode == 0, result.stderr
    assert result.stdout == '"My Schema"\n'


# --------------------------------------------------------------------------- exit codes


def test_failing_script_exit_code_comes_back_unchanged(tmp_path: Path, direct_url: str) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=direct_url)
    (tmp_path / "bad.sql").write_text("select 1/0;\n")
    result = pgc("exec", "psql", "-v", "ON_ERROR_STOP=1", "-f", "bad.sql")
    assert result.returncode == 3  # psql: "an error occurred in a script and ON_ERROR_STOP was set"
    assert "division by zero" in result.stderr


def test_failing_sql_statement_gives_psqls_exit_code(tmp_path: Path, direct_url: str) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=direct_url)
    result = pgc("exec", "psql", "-c", "select 1/0")
    assert result.returncode == 1


# --------------------------------------------------------------------------- version check


def test_older_pg_dump_is_stopped_with_client_tools_old(tmp_path: Path, direct_url: str) -> None:
    # No older pg_dump can be installed here: a stand-in that reports 14 and records if it ran.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "pg_dump"
    fake.write_text(
        '#!/bin/sh\n[ "$1" = --version ] && { echo "pg_dump (PostgreSQL) 14.9"; exit 0; }\ntouch ran\n'
    )
    fake.chmod(0o755)
    write_env(tmp_path / ".env", DIRECT_URL=direct_url)
    result = pgc("exec", "pg_dump", "-f", "x.sql", env={"PATH": f"{bindir}:{os.environ['PATH']}"})
    assert result.returncode == 1
    assert "[client-tools-old]" in result.stderr
    assert not (tmp_path / "ran").exists()


def test_version_check_that_cannot_connect_stops_with_one_line_and_no_password(
    tmp_path: Path, direct_url: str, make_role: MakeRole
) -> None:
    role = make_role("pgc_exec_wrongpw", "right-password-1")
    wrong = role.url().replace(quote("right-password-1", safe=""), "Wrong-Secret-99")
    write_env(tmp_path / ".env", DIRECT_URL=wrong)
    result = pgc("exec", "pg_dump", "-f", "x.sql")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("pgc: error:")]
    assert len(errors) == 1
    assert "password authentication failed" in errors[0]
    assert "Wrong-Secret-99" not in result.stderr
    assert not (tmp_path / "x.sql").exists()


# --------------------------------------------------------------------------- secrets and signals

SLEEPER_PASSWORD = "Pgc-Exec:Secret\\9@cmd line"
SLEEP = "select pg_sleep(120)"


@dataclass
class Running:
    process: subprocess.Popen[str]
    child: int  # the tool's pid
    temp: Path  # TMPDIR given to pgc: holds the passfile's directory while the tool runs


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _stop(process: subprocess.Popen[str], child: int | None) -> None:
    """End pgc the way a user would (SIGTERM, which it forwards); the tool too if pgc could not."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    if child is not None:
        with suppress(OSError):  # only our psql: the pid may be gone, or reused
            if SLEEP.encode() in Path(f"/proc/{child}/cmdline").read_bytes():
                os.kill(child, signal.SIGKILL)
    process.communicate(timeout=30)


@contextmanager
def running_psql(tmp_path: Path, lab: pgc_lab.Lab, role: pgc_lab.Role) -> Iterator[Running]:
    """`pgc exec psql -c 'select pg_sleep(120)'`, yielded once the server runs the sleep."""
    write_env(tmp_path / ".env", DIRECT_URL=role.url())
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "pgconnect_cli", "exec", "psql", "-c", SLEEP],
        env={**os.environ, "TMPDIR": str(temp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    child: int | None = None
    try:
        deadline = time.monotonic() + 60
        with lab.postgres.connect_admin() as admin:
            query = "SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND wait_event = 'PgSleep'"
            while admin.execute(query, (role.name,)).fetchone() != (1,):
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "psql never started its query"
                time.sleep(0.05)
        (child,) = _children(process.pid)
        yield Running(process, child, temp)
    finally:
        _stop(process, child)


@pytest.fixture
def sleeper(make_role: MakeRole) -> pgc_lab.Role:
    return make_role("pgc_exec_sleeper", SLEEPER_PASSWORD)


def test_no_process_command_line_holds_the_password_while_the_tool_runs(
    tmp_path: Path, lab: pgc_lab.Lab, sleeper: pgc_lab.Role
) -> None:
    forms = {SLEEPER_PASSWORD.encode(), quote(SLEEPER_PASSWORD, safe="").encode()}
    with running_psql(tmp_path, lab, sleeper) as run:
        assert run.process.poll() is None
        exposed = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                data = cmdline.read_bytes()
            except OSError:  # the process ended meanwhile
                continue
            if any(form in data for form in forms):
                exposed.append(cmdline.parent.name)
    assert exposed == []


def test_tool_gets_a_private_passfile_and_no_pgpassword(
    tmp_path: Path, lab: pgc_lab.Lab, sleeper: pgc_lab.Role
) -> None:
    with running_psql(tmp_path, lab, sleeper) as run:
        environ = dict(
            entry.split("=", 1)
            for entry in Path(f"/proc/{run.child}/environ").read_text().split("\0")
            if "=" in entry
        )
        passfile = Path(environ["PGPASSFILE"])
        modes = (passfile.stat().st_mode & 0o777, passfile.parent.stat().st_mode & 0o777)
    assert "PGPASSWORD" not in environ
    assert passfile.parent.parent == run.temp
    assert modes == (0o600, 0o700)


def test_passfile_is_removed_after_the_tool_exits(tmp_path: Path, direct_url: str) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=direct_url)
    temp = tmp_path / "tmp"
    temp.mkdir()
    result = pgc("exec", "psql", "-c", "select 1", env={"TMPDIR": str(temp)})
    assert result.returncode == 0, result.stderr
    assert list(temp.iterdir()) == []


def test_sigterm_reaches_the_tool_and_the_passfile_is_removed(
    tmp_path: Path, lab: pgc_lab.Lab, sleeper: pgc_lab.Role
) -> None:
    with running_psql(tmp_path, lab, sleeper) as run:
        run.process.send_signal(signal.SIGTERM)
        code = run.process.wait(timeout=60)
    assert code == 128 + signal.SIGTERM  # psql died of the forwarded SIGTERM
    assert list(run.temp.iterdir()) == []
    assert not Path(f"/proc/{run.child}").exists()


def test_sighup_reaches_the_tool_and_the_passfile_is_removed(
    tmp_path: Path, lab: pgc_lab.Lab, sleeper: pgc_lab.Role
) -> None:
    with running_psql(tmp_path, lab, sleeper) as run:
        run.process.send_signal(signal.SIGHUP)
        code = run.process.wait(timeout=60)
    assert code == 128 + signal.SIGHUP  # psql died of the forwarded SIGHUP: 129
    assert list(run.temp.iterdir()) == []
    assert not Path(f"/proc/{run.child}").exists()


def test_sigint_reaches_the_tool_and_the_passfile_is_removed(
    tmp_path: Path, lab: pgc_lab.Lab, sleeper: pgc_lab.Role
) -> None:
    with running_psql(tmp_path, lab, sleeper) as run:
        run.process.send_signal(signal.SIGINT)
        code = run.process.wait(timeout=60)
        _, stderr = run.process.communicate()
    assert "canceling statement due to user request" in stderr  # psql cancelled its query
    assert code == 1  # and pgc returned psql's own exit code
    assert list(run.temp.iterdir()) == []
    assert not Path(f"/proc/{run.child}").exists()


def _read_until(fd: int, needle: bytes, seen: bytearray, deadline: float) -> None:
    import select

    while needle not in seen:
        assert time.monotonic() < deadline, f"no {needle!r} in {bytes(seen)[-300:]!r}"
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the terminal closed
                chunk = b""
            assert chunk, f"terminal closed before {needle!r}: {bytes(seen)[-300:]!r}"
            seen += chunk


def test_ctrl_c_in_a_terminal_cancels_the_query_and_leaves_the_session_open(
    tmp_path: Path, lab: pgc_lab.Lab, sleeper: pgc_lab.Role
) -> None:
    import pty

    write_env(tmp_path / ".env", DIRECT_URL=sleeper.url())
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "TERM": "dumb"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: pgc in the foreground of a new terminal
        os.execve(
            sys.executable, [sys.executable, "-m", "pgconnect_cli", "psql", "-X", "-P", "pager=off"], env
        )
    seen = bytearray()
    deadline = time.monotonic() + 60
    try:
        _read_until(fd, b"=> ", seen, deadline)
        os.write(fd, SLEEP.encode() + b";\r")
        with lab.postgres.connect_admin() as admin:
            query = "SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND wait_event = 'PgSleep'"
            while admin.execute(query, (sleeper.name,)).fetchone() != (1,):
                assert time.monotonic() < deadline, bytes(seen)
                time.sleep(0.05)
        os.write(fd, b"\x03")  # Ctrl-C: the terminal signals pgc and psql alike
        _read_until(fd, b"canceling statement due to user request", seen, deadline)
        os.write(fd, b"select 'still here';\r")
        _read_until(fd, b"still here\r\n(1 row)", seen, deadline)
        os.write(fd, b"\\q\r")
        _, status = os.waitpid(pid, 0)
    finally:
        with suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG) == (0, 0):
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert list(temp.iterdir()) == []
