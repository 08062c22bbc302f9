"""URLs and connection keywords for lab servers, immune to the caller's PG* variables."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pgconnect_cli.lab.errors import LabError
from pgconnect_cli.lab.system import one_line

if TYPE_CHECKING:
    import psycopg

LAB_HOST = "localhost"


def libpq_url(
    *,
    user: str,
    password: str,
    host: str,
    port: int,
    dbname: str,
    tls: bool,
    ca_cert: Path | None,
    mask: bool,
) -> str:
    secret = "****" if mask else quote(password, safe="")
    if tls and ca_cert is not None:
        query = f"sslmode=verify-full&sslrootcert={quote(str(ca_cert), safe='/')}"
    elif tls:
        query = "sslmode=require"
    else:
        query = "sslmode=disable"
    return f"postgresql://{quote(user, safe='')}:{secret}@{host}:{port}/{quote(dbname, safe='')}?{query}"


def connect_kwargs(e: Endpoint, dbname: str) -> dict[str, Any]:
    """The superuser's keywords for a TCP connection to `e`."""
    # Explicit values for everything a stray PG* variable of the caller could change.
    kwargs: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": e.port,
        "user": e.superuser,
        "password": e.superuser_password,
        "dbname": dbname,
        "sslmode": "require" if e.tls else "disable",
        "gssencmode": "disable",
        "channel_binding": "prefer",
        "options": "",
        "target_session_attrs": "any",
        "connect_timeout": 10,
        "application_name": "pgc-lab",
    }
    if e.tls and e.ca_cert is not None:
        kwargs["sslrootcert"] = str(e.ca_cert)
    return kwargs


@dataclass(frozen=True)
class Endpoint:
    """What a lab URL or admin connection is made of; the passwords stay out of its repr."""

    host: str
    port: int
    role: str
    password: str = field(repr=False)
    database: str
    superuser: str
    superuser_password: str = field(repr=False)
    tls: bool
    ca_cert: Path | None


class Dialable(ABC):
    """A lab server or pooler a role's URL can point at."""

    @abstractmethod
    def endpoint(self) -> Endpoint: ...

    def url(
        self,
        *,
        user: str | None = None,
        password: str | None = None,
        dbname: str | None = None,
        mask: bool = False,
    ) -> str:
        """A libpq URL: verify-full against the lab CA with TLS, else sslmode=disable."""
        e = self.endpoint()
        return libpq_url(
            user=user or e.role,
            password=e.password if password is None else password,
            host=e.host,
            port=e.port,
            dbname=dbname or e.database,
            tls=e.tls,
            ca_cert=e.ca_cert,
            mask=mask,
        )

    def _connect_superuser(self, dbname: str) -> psycopg.Connection[tuple[Any, ...]]:
        """An autocommit superuser connection over TCP (the caller closes it)."""
        import psycopg

        kwargs = connect_kwargs(self.endpoint(), dbname)
        return psycopg.connect(autocommit=True, **kwargs)


def verify_connect(url: str, *, what: str) -> None:
    """One real client connection through `url`: TLS, certificate, SCRAM and routing all work."""
    import psycopg

    try:
        # Autocommit: a statement-mode PgBouncer refuses the BEGIN psycopg would send first.
        with psycopg.connect(
            url, autocommit=True, gssencmode="disable", options="", channel_binding="prefer"
        ) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        raise LabError(f"{what} started but refuses the lab's own connection: {one_line(exc)}") from None
