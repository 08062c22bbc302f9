"""What the doctor's probes observed: enums and frozen dataclasses, and nothing else.

A light leaf module (the standard library and the pure X.509 model only): the orchestrator, the
checks and the renderers import these types without loading psycopg, dnspython or `ssl`, and
compare enum members, never strings. Probes build these values; checks read them; nothing here
does I/O or decides a severity. Every text that may come from a server is already scrubbed of
secrets when it is stored here.

To add a diagnosis: add a field (or a dataclass) here for what the probe sees, fill it in the
probe, and read it in a pure check that `doctor.settle` calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from pgconnect_cli.checks.x509 import Certificate


class Timed:
    """`ms` for observations that carry monotonic `started`/`finished` timestamps (seconds)."""

    started: float
    finished: float

    @property
    def ms(self) -> float:
        return (self.finished - self.started) * 1000


class Layer(str, Enum):
    """The live layers, in the order they run."""

    DNS = "dns"
    TCP = "tcp"
    TLS = "tls"
    AUTH = "auth"
    SERVER = "server"
    POOLER = "pooler"
    PREPARED = "prepared"
    LATENCY = "latency"


LIVE_LAYERS: tuple[Layer, ...] = tuple(Layer)


# --------------------------------------------------------------------------- DNS


class DnsMethod(str, Enum):
    LITERAL = "literal"
    PINNED = "pinned"
    SYSTEM = "system"
    DNS = "dns"
    SOCKET = "socket"


class DnsOutcome(str, Enum):
    OK = "ok"
    NOT_FOUND = "not-found"  # NXDOMAIN
    NO_ADDRESS = "no-address"  # the name exists, without A or AAAA records
    FAILED = "failed"  # SERVFAIL, refused, timeout, no resolver


@dataclass(frozen=True)
class ResolverConfig:
    nameserver: str | None = None  # --resolver IP; None: the system's resolv.conf
    port: int = 53
    pins: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # --resolve, lower-case names
    hosts_file: Path = Path("/etc/hosts")
    prefer_ipv6: bool = False  # getaddrinfo puts IPv6 first when this machine can route it

    @property
    def label(self) -> str:
        if self.nameserver is None:
            return "the system resolver"
        host = f"[{self.nameserver}]" if ":" in self.nameserver else self.nameserver
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class DnsObservation(Timed):
    host: str
    method: DnsMethod
    outcome: DnsOutcome
    addresses: tuple[str, ...] = ()  # in the order they will be dialed
    a: tuple[str, ...] = ()
    aaaa: tuple[str, ...] = ()
    cnames: tuple[str, ...] = ()
    complete: bool = True  # both the A and the AAAA question were answered
    resolver: str = ""
    error: str = ""
    timed_out: bool = False
    budget: float = 0.0
    started: float = 0.0
    finished: float = 0.0

    @property
    def usable(self) -> bool:
        """The name gave something to connect to (addresses, a socket, a literal)."""
        return self.outcome is DnsOutcome.OK

    @property
    def is_socket(self) -> bool:
        return self.method is DnsMethod.SOCKET


# --------------------------------------------------------------------------- TCP


class TcpOutcome(str, Enum):
    CONNECTED = "connected"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    ERROR = "error"


@dataclass(frozen=True)
class TcpAttempt:
    address: str
    port: int
    outcome: TcpOutcome
    error: str = ""
    ms: float = 0.0


@dataclass(frozen=True)
class TcpObservation(Timed):
    port: int
    attempts: tuple[TcpAttempt, ...]
    budget: float
    side: TcpAttempt | None = None  # port 443 of the same address, when the port did not answer
    local_port: int | None = None
    started: float = 0.0
    finished: float = 0.0

    @property
    def connected(self) -> TcpAttempt | None:
        return next((a for a in self.attempts if a.outcome is TcpOutcome.CONNECTED), None)

    @property
    def outcome(self) -> TcpOutcome:
        if self.connected is not None:
            return TcpOutcome.CONNECTED
        return self.attempts[0].outcome if self.attempts else TcpOutcome.ERROR


# --------------------------------------------------------------------------- TLS


class TlsAnswer(str, Enum):
    SUPPORTED = "S"
    NOT_SUPPORTED = "N"
    ERROR_RESPONSE = "E"  # an ErrorResponse to SSLRequest: an old or unusual server, no TLS
    OTHER = "other"  # bytes that are no PostgreSQL answer (an SSH banner starts with S, too)
    CLOSED = "closed"  # the peer closed without answering
    NO_ANSWER = "no-answer"  # nothing within the budget
    DIRECT = "direct"  # sslnegotiation=direct: no SSLRequest, TLS from the first byte

    @property
    def agreed_to_tls(self) -> bool:
        return self in (TlsAnswer.SUPPORTED, TlsAnswer.DIRECT)

    @property
    def refused_tls(self) -> bool:
        """A PostgreSQL answer without TLS: N, or an ErrorResponse."""
        return self in (TlsAnswer.NOT_SUPPORTED, TlsAnswer.ERROR_RESPONSE)


class Verification(str, Enum):
    NOT_REQUESTED = "not-requested"
    OK = "ok"
    UNKNOWN_CA = "unknown-ca"
    HOSTNAME_MISMATCH = "hostname-mismatch"
    EXPIRED = "expired"
    ROOTCERT_MISSING = "rootcert-missing"
    FAILED = "failed"

    @property
    def passed(self) -> bool:
        return self in (Verification.NOT_REQUESTED, Verification.OK)


@dataclass(frozen=True)
class TlsPolicy:
    """What the URL asks of TLS, resolved like libpq does before it connects (checks.tls_policy)."""

    sslmode: str
    sni_host: str | None  # None: no SNI (an IP address, or sslsni=0)
    verify_chain: bool
    verify_host: bool
    cafile: str | None  # None with verify_chain: the system's trust store (sslrootcert=system)
    cafile_source: str  # "sslrootcert", "PGSSLROOTCERT", "~/.postgresql/root.crt", "system", ""
    certfile: str | None = None
    keyfile: str | None = None
    direct: bool = False
    cafile_exists: bool = True  # the root certificate file named is there (libpq fails otherwise)

    @property
    def wants_tls(self) -> bool:
        return self.sslmode in ("require", "verify-ca", "verify-full")


@dataclass(frozen=True)
class TlsObservation(Timed):
    answer: TlsAnswer
    handshake: bool = False  # completed
    version: str | None = None
    cipher: str | None = None
    certificate: Certificate | None = None
    verification: Verification = Verification.NOT_REQUESTED
    verify_detail: str = ""
    preview: str = ""  # printable start of a non-PostgreSQL answer
    tls_record: bool = False  # that answer was a TLS record (alert/handshake): a TLS-only front end
    error: str = ""
    budget: float = 0.0
    started: float = 0.0
    finished: float = 0.0
    answered: float = 0.0  # when the SSLRequest answer came (0: none, or sslnegotiation=direct)

    @property
    def wait_ms(self) -> float:
        """How long the server took to answer SSLRequest: the first connection's wait (a compute
        waking up holds it), whatever the login after it took."""
        return (self.answered - self.started) * 1000 if self.answered else 0.0


# --------------------------------------------------------------------------- login and server


class AuthGuard(str, Enum):
    """Which password methods the one login refused before sending anything (libpq require_auth)."""

    NONE = "none"  # nothing refused: verify-full, or no password to protect
    URL = "url"  # the URL sets require_auth itself: its choice is kept
    CLEARTEXT = "cleartext"  # require_auth=!password
    CLEARTEXT_AND_MD5 = "cleartext-and-md5"  # require_auth=!password,!md5
    UNAVAILABLE = "unavailable"  # libpq older than 16 has no require_auth


@dataclass(frozen=True)
class AuthObservation(Timed):
    ok: bool
    host: str
    hostaddr: str | None
    port: int
    sslmode: str  # what was dialed (pinned), not necessarily what the URL says
    connect_timeout: int
    user: str | None = None
    dbname: str | None = None
    sqlstate: str | None = None
    message: str = ""  # scrubbed
    error_type: str = ""
    timed_out: bool = False
    ssl_in_use: bool | None = None
    backend_key_pid: int | None = None
    local_port: int | None = None
    libpq_version: int = 0
    guard: AuthGuard = AuthGuard.NONE
    budget: float = 0.0  # the seconds the attempt was given (at most what was left of the run)
    started: float = 0.0
    finished: float = 0.0
    on_wire: float | None = None  # seconds the login took on the connection (None: not measured)

    @property
    def ms(self) -> float:
        """The login's time: on the connection when measured there (the time the probe's thread
        waited for its turn to run is not the server's latency), else from start to finish."""
        return self.on_wire * 1000 if self.on_wire is not None else (self.finished - self.started) * 1000


@dataclass(frozen=True)
class MigrationFacts:
    """What the first migration on this login will meet in its target schema (read-only queries)."""

    schema: str  # the schema migrations create their tables in
    source: str  # where that name comes from: "schema=", "search_path", "current_schema()"
    exists: bool
    can_create: bool = False  # has_schema_privilege(…, 'CREATE'), or the schema is the role's
    owner: str | None = None
    can_create_schema: bool = False  # CREATE on the database: the schema could be created
    createdb: bool = False  # the role may CREATE DATABASE (Prisma's shadow database)
    not_owned: tuple[str, ...] = ()  # tables in the schema owned by a role this one is not (first few)
    not_owned_count: int = 0
    migration_table: str | None = None  # a known migration tool's table found in the schema
    migration_table_writable: bool = True


@dataclass(frozen=True)
class ServerFacts(Timed):
    version: str | None = None  # "15.18"
    version_num: int | None = None
    max_connections: int | None = None
    reserved: int | None = None
    in_use: int | None = None
    role_conn_limit: int | None = None  # -1: no limit
    role_in_use: int | None = None  # the role's sessions on the server (a pooler's included)
    db_conn_limit: int | None = None
    backend_pid: int | None = None
    server_port: int | None = None  # inet_server_port(); None over a Unix socket
    client_port: int | None = None  # inet_client_port()
    superuser: bool | None = None
    in_recovery: bool | None = None  # pg_is_in_recovery(): a hot standby, a read replica
    read_only: bool | None = None  # transaction_read_only of the login's sessions
    default_read_only: bool | None = None  # default_transaction_read_only (a role or database setting)
    current_user: str | None = None
    database: str | None = None
    migration: MigrationFacts | None = None
    error: str = ""  # the query failed (scrubbed): the login worked, queries do not
    sqlstate: str | None = None
    started: float = 0.0
    finished: float = 0.0

    @property
    def major(self) -> int | None:
        return self.version_num // 10000 if self.version_num else None


# --------------------------------------------------------------------------- pooler, prepared


class PoolerKind(str, Enum):
    TRANSACTION = "transaction"
    STATEMENT = "statement"  # PgBouncer pool_mode=statement: BEGIN is refused
    SESSION = "session"
    PROXY = "proxy"
    NONE = "none"
    UNKNOWN = "unknown"

    @property
    def pooled(self) -> bool:
        return self in (PoolerKind.TRANSACTION, PoolerKind.STATEMENT, PoolerKind.SESSION)

    @property
    def direct(self) -> bool:
        """Nothing pools in the path: the client talks to its own backend (maybe through a proxy)."""
        return self in (PoolerKind.NONE, PoolerKind.PROXY)


@dataclass(frozen=True)
class PoolerObservation(Timed):
    kind: PoolerKind
    dialed_port: int
    server_port: int | None = None
    local_port: int | None = None
    client_port: int | None = None
    key_pid: int | None = None
    backend_pid: int | None = None
    # (client A's pid before, client B's pid inside its open transaction, A's pid after) per round
    rounds: tuple[tuple[int, int | None, int | None], ...] = ()
    reconnect_pid: int | None = None
    reconnect_backend_age_s: float | None = None
    extra_connections: int = 0
    refused: str = ""  # the pooler's answer to BEGIN, when it refused transaction blocks
    error: str = ""
    started: float = 0.0
    finished: float = 0.0


@dataclass(frozen=True)
class PreparedObservation(Timed):
    broke: bool
    sqlstate: str | None = None
    message: str = ""  # the server's error for the step that failed (scrubbed)
    step: str = ""  # which step failed: "prepare on the second client", "execute on the first client"
    name: str = ""
    error: str = ""  # the probe itself could not run
    started: float = 0.0
    finished: float = 0.0


# --------------------------------------------------------------------------- this machine


@dataclass(frozen=True)
class ClientTool:
    name: str
    path: str | None
    version: str | None  # "15.18"

    @property
    def major(self) -> int | None:
        from pgconnect_cli.checks.tools import major_of

        return major_of(self.version)


@dataclass(frozen=True)
class DescriptorLimit:
    """The process's open-file limit, as the run found and (where the hard limit allowed) raised it."""

    soft: int
    hard: int
    raised_from: int | None = None  # the soft limit before the run raised it
    slots: int = 0  # logins probed at once within it


@dataclass(frozen=True)
class ServiceEntry:
    """A `service=` name looked up in the service files (libpq's order)."""

    name: str
    path: str | None  # the file whose [name] section was used; None: no file has it
    values: tuple[tuple[str, str], ...] = ()
    looked: tuple[str, ...] = ()  # the files looked in


@dataclass(frozen=True)
class PassFile:
    """The password file libpq would read (PGPASSFILE, else ~/.pgpass) and its permission bits."""

    path: str
    mode: int

    @property
    def ignored(self) -> bool:
        """libpq skips a password file that group or others may access (it warns on stderr only)."""
        return bool(self.mode & 0o077)


# --------------------------------------------------------------------------- one target


@dataclass(frozen=True)
class ProbeCrash:
    """A probe that raised instead of observing: the layer it was in and the (scrubbed) error."""

    layer: Layer
    message: str


class HostOutcome(str, Enum):
    """What libpq's walk of a multi-host URL did at one host."""

    LANDED = "landed"  # the connection stays here
    UNREACHABLE = "unreachable"  # no address, no TCP connection, or no TLS: libpq goes on
    REFUSED_LOGIN = "login-failed"  # the server refused the login: libpq stops the walk here
    WRONG_SESSION = "wrong-session"  # connected, but not what target_session_attrs asks: libpq goes on
    NOT_TRIED = "not-tried"  # the walk ended before this host


@dataclass(frozen=True)
class HostAttempt:
    """One host of the URL's host list, in the order libpq tries them."""

    host: str
    port: int
    outcome: HostOutcome
    detail: str = ""
    address: str | None = None


@dataclass(frozen=True)
class Observations:
    """Everything the probes saw of one target; `cut` names the layer the run's deadline ended."""

    dns: DnsObservation | None = None
    tcp: TcpObservation | None = None
    policy: TlsPolicy | None = None
    # the SSLRequest answer as soon as it came: known even when the budget ended in the handshake
    tls_answer: TlsAnswer | None = None
    tls: TlsObservation | None = None
    auth: AuthObservation | None = None
    server: ServerFacts | None = None
    pooler: PoolerObservation | None = None
    prepared: PreparedObservation | None = None
    cut: Layer | None = None
    budget: float = 0.0
    crash: ProbeCrash | None = None
    # the target waited for a free descriptor slot and the deadline came before it was dialed
    not_dialed: DescriptorLimit | None = None
    # every host of the URL's list as libpq walks them; the layers above are the last one tried
    hosts: tuple[HostAttempt, ...] = ()
    session_attrs: str = "any"  # target_session_attrs (URL, else PGTARGETSESSIONATTRS)

    @property
    def answer(self) -> TlsAnswer | None:
        """What the server answered SSLRequest, even if the budget ended in the handshake after it."""
        if self.policy is not None and self.policy.direct:
            return TlsAnswer.DIRECT
        return self.tls.answer if self.tls is not None else self.tls_answer
