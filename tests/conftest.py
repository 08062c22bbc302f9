"""Shared fixtures: an isolated environment for every test, and real servers from `pgconnect_cli.lab`.

Server fixtures are session-scoped and start lazily (only when a test asks for them); they fail
(never skip) when the servers cannot start. All of them share one CA, `lab_ca`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

# pyfakefs unloads modules first imported inside a fake filesystem; import them here, for real.
import dns.message
import dns.query
import dns.resolver
import dotenv
import psycopg
import psycopg.conninfo
import pytest
import rich.console
from hypothesis import settings

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.errors import PgcError
from tests import netguard

__all__ = ["dns", "dotenv", "psycopg", "rich"]

T = TypeVar("T")

# `make unit` runs HYPOTHESIS_PROFILE=fast (few examples, for the edit-test loop); everything
# else, `make test` and a plain `pytest`, runs the full profile.
settings.register_profile("fast", max_examples=15, deadline=None)
settings.register_profile("full", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "full"))

_CLEARED = {"DATABASE_URL", "DIRECT_URL", "DATABASE_URL_UNPOOLED", "DIRECT_DATABASE_URL"}
_CLEARED_PREFIXES = ("PG", "POSTGRES_")
_DELETED = ("FORCE_COLOR", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "CI")


@pytest.fixture(autouse=True, scope="session")
def network_guard() -> None:
    """Dial and resolve loopback only: in this process and in every Python subprocess."""
    netguard.install()


@pytest.fixture(autouse=True)
def network_discipline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test when anything it ran tried to leave loopback, even if the error was handled."""
    log = tmp_path.parent / f"{tmp_path.name}.netguard.log"
    monkeypatch.setenv(netguard.LOG_ENV, str(log))
    site = str(Path(__file__).resolve().parent / "netguard_site")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [site, os.environ.get("PYTHONPATH")])))
    yield
    if log.exists():
        pytest.fail("left loopback: " + ", ".join(sorted(set(log.read_text().split("\n")) - {""})))


@pytest.fixture(autouse=True)
def isolation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in a fresh directory with no database variables and plain, fixed-width output."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name in _CLEARED or name.startswith(_CLEARED_PREFIXES) or name in _DELETED:
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERMINAL_WIDTH", "100")
    monkeypatch.setenv("_TYPER_FORCE_DISABLE_TERMINAL", "1")
    yield tmp_path


def _scratch_parent() -> str | None:
    """/dev/shm when it is a roomy memory filesystem: initdb and data-directory copies run several
    times faster there than on a busy disk (measured: 0.3 s vs 1.1 s per initdb)."""
    try:
        fs = os.statvfs("/dev/shm")
    except OSError:
        return None
    roomy = fs.f_bavail * fs.f_frsize >= 1 << 30  # Docker's default 64 MiB holds one cluster
    return "/dev/shm" if roomy and os.access("/dev/shm", os.W_OK | os.X_OK) else None


def _reachable_tmpdir(prefix: str) -> Path:
    # pytest's own tmp dirs are 0700 under /tmp/pytest-of-<user>; when the suite runs as root
    # the servers run as `nobody`, who must be able to enter the directory.
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=_scratch_parent()))
    os.chmod(path, 0o711)
    return path


def _remove_reachable_tmpdir(path: Path) -> None:
    """Stop every lab-made server left below `path`, then remove it."""
    errors = []
    for child in sorted(path.iterdir()) if path.exists() else []:
        if (child / pgc_lab.MARKER).exists():
            try:
                pgc_lab.down(child)
            except PgcError as exc:
                errors.append(exc.message)
    shutil.rmtree(path, ignore_errors=True)
    if errors:
        pytest.fail("; ".join(errors), pytrace=False)


@pytest.fixture
def reachable_tmp_path() -> Iterator[Path]:
    """A private temp directory the lab's servers can enter (also as `nobody` under root)."""
    path = _reachable_tmpdir("pgc-test-")
    yield path
    _remove_reachable_tmpdir(path)


@pytest.fixture(scope="session")
def lab_root() -> Iterator[Path]:
    """The session directory holding every server the fixtures start."""
    path = _reachable_tmpdir("pgc-lab-session-")
    yield path
    _remove_reachable_tmpdir(path)


def _started(what: str, start: Callable[[], T]) -> T:
    try:
        return start()
    except PgcError as exc:
        message = exc.message  # failing outside the except block keeps the report to one line
    pytest.fail(f"cannot start {what}: {message}", pytrace=False)


@pytest.fixture(scope="session")
def lab_certs(lab_root: Path) -> pgc_lab.Certs:
    return _started(
        "the lab's certificates", lambda: pgc_lab.make_certs(lab_root / "tls", pgc_lab.server_identity())
    )


@pytest.fixture(scope="session")
def lab_ca(lab_certs: pgc_lab.Certs) -> Path:
    """The CA certificate every TLS server (and PgBouncer) of the session presents a certificate from."""
    return lab_certs.ca_cert


@pytest.fixture(scope="session")
def lab_template(lab_root: Path) -> pgc_lab.ClusterTemplate:
    """One initdb per session; every cluster the fixtures start is a copy of it."""
    return _started("initdb", lambda: pgc_lab.make_template(lab_root / "template"))


@pytest.fixture(scope="session")
def lab(
    lab_root: Path, lab_certs: pgc_lab.Certs, lab_template: pgc_lab.ClusterTemplate
) -> Iterator[pgc_lab.Lab]:
    """What `pgc lab up` starts: PostgreSQL 15 with TLS and a transaction-mode PgBouncer in front."""
    started = _started(
        "the lab", lambda: pgc_lab.up(lab_root / "lab", certs=lab_certs, template=lab_template).lab
    )
    yield started
    pgc_lab.down(started.directory)


@pytest.fixture(scope="session")
def direct_url(lab: pgc_lab.Lab) -> str:
    """`postgresql://pgc_app:…@localhost:PORT/pgc_app?sslmode=verify-full&sslrootcert=…` (PostgreSQL)."""
    return lab.direct_url


@pytest.fixture(scope="session")
def pooled_url(lab: pgc_lab.Lab) -> str:
    """The same role and database through PgBouncer (transaction mode, client TLS, verify-full)."""
    return lab.pooled_url


def _server(
    lab_root: Path,
    name: str,
    spec: pgc_lab.ServerSpec,
    certs: pgc_lab.Certs | None,
    template: pgc_lab.ClusterTemplate,
) -> Iterator[pgc_lab.PostgresServer]:
    server = _started(
        f"the {name} server",
        lambda: pgc_lab.start_postgres(lab_root / name, spec, certs=certs, template=template),
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def plain_server(lab_root: Path, lab_template: pgc_lab.ClusterTemplate) -> Iterator[pgc_lab.PostgresServer]:
    """PostgreSQL without TLS (`ssl=off`): answers `N` to SSLRequest."""
    yield from _server(lab_root, "plain", pgc_lab.ServerSpec(tls=False), None, lab_template)


@pytest.fixture(scope="session")
def plain_url(plain_server: pgc_lab.PostgresServer) -> str:
    """`…?sslmode=disable` to the server without TLS."""
    return plain_server.direct_url


@pytest.fixture(scope="session")
def tls_only_server(
    lab_root: Path, lab_certs: pgc_lab.Certs, lab_template: pgc_lab.ClusterTemplate
) -> Iterator[pgc_lab.PostgresServer]:
    """PostgreSQL whose pg_hba.conf has only `hostssl` lines: a connection without TLS is refused."""
    yield from _server(lab_root, "tls-only", pgc_lab.ServerSpec(hostssl_only=True), lab_certs, lab_template)


@pytest.fixture(scope="session")
def tls_only_url(tls_only_server: pgc_lab.PostgresServer) -> str:
    return tls_only_server.direct_url


@pytest.fixture(scope="session")
def tiny_server(
    lab_root: Path, lab_certs: pgc_lab.Certs, lab_template: pgc_lab.ClusterTemplate
) -> Iterator[pgc_lab.PostgresServer]:
    """PostgreSQL with `max_connections=3`, one of them reserved for superusers: two client slots."""
    spec = pgc_lab.ServerSpec(max_connections=3, superuser_reserved_connections=1)
    yield from _server(lab_root, "tiny", spec, lab_certs, lab_template)


@pytest.fixture(scope="session")
def tiny_url(tiny_server: pgc_lab.PostgresServer) -> str:
    return tiny_server.direct_url


@pytest.fixture(scope="session")
def session_bouncer(lab_root: Path, lab: pgc_lab.Lab) -> Iterator[pgc_lab.PgBouncer]:
    """A second PgBouncer, in session mode, in front of the lab's PostgreSQL (client TLS too)."""
    spec = pgc_lab.BouncerSpec(pool_mode=pgc_lab.PoolMode.SESSION)
    bouncer = _started(
        "the session-mode PgBouncer",
        lambda: pgc_lab.start_pgbouncer(lab_root / "session-bouncer", lab.postgres, spec),
    )
    yield bouncer
    bouncer.stop()


@pytest.fixture(scope="session")
def session_pooled_url(session_bouncer: pgc_lab.PgBouncer) -> str:
    return session_bouncer.pooled_url


MakeRole = Callable[..., pgc_lab.Role]


@pytest.fixture
def make_role(lab: pgc_lab.Lab) -> Iterator[MakeRole]:
    """`make_role(name, password, server=None) -> Role` on the lab's PostgreSQL (or `server`).

    Any name and password work (`@:/?#$'"\\` and spaces included): the password is sent only as
    a SCRAM verifier and the URLs percent-encode it. Every PgBouncer in front of the server
    admits the role at once (auth_query). `role.url()` is direct, `role.url(via=lab.pgbouncer)`
    pooled. Roles are dropped after the test. Failures name the role, never the password.
    """
    created: list[pgc_lab.Role] = []

    def make(name: str, password: str, server: pgc_lab.PostgresServer | None = None) -> pgc_lab.Role:
        target = server or lab.postgres
        try:
            role = target.create_role(name, password)
        except psycopg.Error as exc:
            sqlstate = exc.sqlstate
        else:
            created.append(role)
            return role
        pytest.fail(f"cannot create role {name!r}: SQLSTATE {sqlstate}", pytrace=False)

    yield make
    for role in reversed(created):
        role.server.drop_role(role.name)


# Fixtures that start real servers: a test that uses one (directly or through another fixture)
# is marked `live`, so `-m live` / `-m "not live"` select what they say.
_SERVER_FIXTURES = frozenset(
    {
        "lab",
        "lab_template",
        "lab_root",
        "lab_certs",
        "direct_url",
        "pooled_url",
        "plain_server",
        "plain_url",
        "tls_only_server",
        "tls_only_url",
        "tiny_server",
        "tiny_url",
        "session_bouncer",
        "session_pooled_url",
        "make_role",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.live)
