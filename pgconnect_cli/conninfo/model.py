"""The parsed connection string: one immutable model used by every command, and the keyword facts.

A leaf: it imports nothing else from `conninfo`, so every other module can build on it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

# libpq keywords (libpq 18 PQconndefaults; `requiressl` and `ssl` are URI/compat aliases).
LIBPQ_KEYWORDS: frozenset[str] = frozenset(
    """
    service user password passfile channel_binding connect_timeout dbname host hostaddr port
    client_encoding options application_name fallback_application_name keepalives keepalives_idle
    keepalives_interval keepalives_count tcp_user_timeout sslmode sslnegotiation sslcompression sslcert
    sslkey sslcertmode sslpassword sslrootcert sslcrl sslcrldir sslsni requirepeer require_auth
    min_protocol_version max_protocol_version ssl_min_protocol_version ssl_max_protocol_version
    gssencmode krbsrvname gsslib gssdelegation replication target_session_attrs load_balance_hosts
    scram_client_key scram_server_key oauth_issuer oauth_client_id oauth_client_secret oauth_scope
    sslkeylogfile requiressl
    """.split()
)

# Keywords added after libpq 15, the oldest client we meet in the wild on Debian 12.
LIBPQ_KEYWORD_SINCE: dict[str, int] = {
    "sslnegotiation": 17,
    "sslcertmode": 16,
    "require_auth": 16,
    "gssdelegation": 16,
    "load_balance_hosts": 16,
    "min_protocol_version": 18,
    "max_protocol_version": 18,
    "scram_client_key": 18,
    "scram_server_key": 18,
    "oauth_issuer": 18,
    "oauth_client_id": 18,
    "oauth_client_secret": 18,
    "oauth_scope": 18,
    "sslkeylogfile": 18,
}

# Parameters Prisma's query engine understands (quaint postgres url.rs) and libpq does not.
PRISMA_ONLY_PARAMS: frozenset[str] = frozenset(
    """
    schema pgbouncer connection_limit pool_timeout socket_timeout statement_cache_size sslaccept
    sslidentity max_connection_lifetime max_idle_connection_lifetime
    """.split()
)
# Parameters both understand (some with different meanings: Prisma's sslcert is the server CA).
PRISMA_SHARED_PARAMS: frozenset[str] = frozenset(
    "sslmode sslcert sslpassword connect_timeout application_name channel_binding options host".split()
)

# Masked wherever a URL is shown. `api_key` is Prisma Accelerate's (prisma+postgres://…?api_key=).
# libpq 18's scram_client_key/scram_server_key are keys derived from the password: as good as it.
SECRET_KEYWORDS: frozenset[str] = frozenset(
    {"password", "sslpassword", "oauth_client_secret", "api_key", "scram_client_key", "scram_server_key"}
)
# Names people give the password anyway (JDBC's `password`, ADO.NET's `Password`/`Pwd`, habits):
# libpq rejects them, but their value is still a secret. Compared case- and separator-insensitively.
PASSWORD_ALIASES: frozenset[str] = frozenset({"pass", "passwd", "pwd", "passphrase", "apikey", "token"})
# Endings of names that hold a credential: db_pass, PGPASSWORD, client_secret, access_token, x-api-key.
_SECRET_ENDINGS = ("pass", "pwd", "passwd", "password", "secret", "token", "apikey", "passphrase")
# Server settings whose names say "password" but whose values are algorithm names, shown in
# fixes ("password_encryption=scram-sha-256"): never a credential.
NOT_SECRET_SETTINGS: frozenset[str] = frozenset({"password_encryption", "passwordencryption"})


# Every parameter name pgc knows (libpq's and Prisma's); `requiressl` is an alias nobody should write.
KNOWN_PARAMS: frozenset[str] = (LIBPQ_KEYWORDS | PRISMA_ONLY_PARAMS) - {"requiressl"}


def normalize(name: str) -> str:
    """connectTimeout, connect-timeout and CONNECT_TIMEOUT all become connecttimeout."""
    return re.sub(r"[_\-\s]", "", name).lower()


_BY_NORMAL: dict[str, str] = {normalize(k): k for k in KNOWN_PARAMS}


def spelled_keyword(name: str) -> str | None:
    """The known parameter `name` spells in another case or with other separators, else None."""
    return _BY_NORMAL.get(normalize(name))


def closest_keyword(name: str) -> tuple[str, float] | None:
    """The known parameter closest to a misspelled `name` (difflib, cutoff 0.75), with the ratio."""
    import difflib  # only for a misspelling: start-up

    n = normalize(name)
    candidates = difflib.get_close_matches(n, list(_BY_NORMAL), n=1, cutoff=0.75)
    if not candidates:
        return None
    return _BY_NORMAL[candidates[0]], difflib.SequenceMatcher(None, n, candidates[0]).ratio()


@functools.lru_cache(maxsize=1024)
def is_secret_keyword(name: str) -> bool:
    """True for every parameter name whose value must be masked: libpq's secrets, their aliases,
    names that end like one (`access_token`), and misspellings that `param-unknown` reads as one
    (`passwrd=` → "did you mean password?"). The one predicate behind every mask: URLs
    (`conninfo.build`), parts tables and JSON, and free text (`conninfo.redact`)."""
    if name in SECRET_KEYWORDS:
        return True
    normal = re.sub(r"[\W_]", "", name).lower()
    if not normal or normal in NOT_SECRET_SETTINGS:
        return False
    if normal in PASSWORD_ALIASES or "password" in normal or "secret" in normal:
        return True
    if normal.endswith(_SECRET_ENDINGS):
        return True
    if len(normal) > 40:  # no keyword is that long; spare the close-match search
        return False
    # what `params.suggest` would offer instead: the same spelling rules, the same close match
    meant = spelled_keyword(name)
    if meant is None:
        close = closest_keyword(name)
        meant = close[0] if close else None
    return meant in SECRET_KEYWORDS


CORE_KEYWORDS = ("user", "password", "host", "port", "dbname")

LIBPQ_SCHEMES = ("postgresql", "postgres")


class Form(str, Enum):
    URI = "uri"
    KEYVALUE = "keyvalue"


@dataclass(frozen=True)
class HostPort:
    """One entry of libpq's host list. Empty strings mean libpq's default (socket dir, 5432)."""

    host: str
    port: str

    @property
    def port_number(self) -> int:
        """The port as libpq would use it; 5432 when empty. Raises ValueError when not a number."""
        return int(self.port) if self.port else 5432

    @property
    def is_socket(self) -> bool:
        return self.host == "" or self.host.startswith("/") or self.host.startswith("@")


@dataclass(frozen=True)
class ConnInfo:
    """A connection string, decoded.

    `options` holds every setting in the order first seen, later duplicates winning, exactly as
    libpq resolves them (including user, password, host, port and dbname), plus parameters libpq
    would reject (Prisma's, typos): those are what the checks look at.
    """

    raw: str = field(repr=False)
    form: Form
    scheme: str  # "" for key=value strings
    options: tuple[tuple[str, str], ...] = field(repr=False)
    duplicates: tuple[str, ...] = ()
    # For URIs, the undecoded pieces as written (used by lints and `url fix`).
    raw_userinfo: str | None = field(default=None, repr=False)
    # Every setting as written, in order, duplicates included: libpq resolves aliases
    # (ssl=true, requiressl) in this order. Empty for a ConnInfo built by `replace()`.
    sequence: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    # --- access -----------------------------------------------------------------------
    def get(self, key: str, default: str | None = None) -> str | None:
        for k, v in self.options:
            if k == key:
                return v
        return default

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self.options)

    def items(self) -> Iterator[tuple[str, str]]:
        return iter(self.options)

    @property
    def user(self) -> str | None:
        return self.get("user")

    @property
    def password(self) -> str | None:
        return self.get("password")

    @property
    def dbname(self) -> str | None:
        return self.get("dbname")

    @property
    def hosts(self) -> tuple[HostPort, ...]:
        """libpq's host list paired with its port list ("one port applies to all hosts")."""
        hosts = (self.get("host") or "").split(",")
        ports = (self.get("port") or "").split(",")
        if len(ports) == 1:
            ports = ports * len(hosts)
        if len(ports) != len(hosts):
            # libpq fails at connect time: "could not match N port numbers to M hosts"
            ports = (ports + [""] * len(hosts))[: len(hosts)]
        return tuple(HostPort(h, p) for h, p in zip(hosts, ports, strict=True))

    @property
    def host(self) -> str:
        """The first host ("" for the default socket)."""
        return self.hosts[0].host

    @property
    def port(self) -> int:
        try:
            return self.hosts[0].port_number
        except ValueError:
            return 5432

    @property
    def params(self) -> dict[str, str]:
        """Everything except user, password, host, port and dbname."""
        return {k: v for k, v in self.options if k not in CORE_KEYWORDS}

    @property
    def is_libpq_scheme(self) -> bool:
        return self.form is Form.KEYVALUE or self.scheme in LIBPQ_SCHEMES

    def _accepted_by_libpq(self, key: str, value: str) -> bool:
        if key == "ssl":  # JDBC compatibility: only `ssl=true`, and only in a URI
            return self.form is Form.URI and value == "true"
        return key in LIBPQ_KEYWORDS

    def non_libpq_params(self) -> list[str]:
        """Parameters libpq rejects (`invalid URI query parameter`): Prisma's, typos, `ssl=false`."""
        return [k for k, v in self.options if not self._accepted_by_libpq(k, v)]

    def libpq_rejects(self) -> str | None:
        """The first parameter libpq would reject, in the order written; None when it accepts all."""
        for k, v in self.sequence or self.options:
            if not self._accepted_by_libpq(k, v):
                return k
        return None

    def libpq_dict(self) -> dict[str, str]:
        """What `PQconninfoParse` returns for this string, when libpq accepts it."""
        out: dict[str, str] = {}
        for k, v in self.sequence or self.options:
            if k == "ssl" and v == "true":
                k, v = "sslmode", "require"
            elif k == "requiressl":
                k, v = "sslmode", "require" if v.startswith("1") else "prefer"
            out[k] = v
        return out

    # --- derived ---------------------------------------------------------------------------
    def replace(self, **changes: str | None) -> ConnInfo:
        """A copy with settings changed (value) or removed (None), new keys appended."""
        opts = dict(self.options)
        for k, v in changes.items():
            if v is None:
                opts.pop(k, None)
            else:
                opts[k] = v
        return ConnInfo(
            raw="", form=self.form, scheme=self.scheme, options=tuple(opts.items()), duplicates=()
        )
