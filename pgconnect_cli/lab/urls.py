"""URLs and connection keywords for lab servers, immune to the caller's PG* variables."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from pgconnect_cli.lab.errors import LabError
from pgconnect_cli.lab.system import one_line

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


def connect_kwargs(
    *, host: str, port: int, user: str, password: str, dbname: str, tls: bool, ca_cert: Path | None
) -> dict[str, Any]:
    # Explicit values for everything a stray PG* variable of the caller could change.
    kwargs: dict[str, Any] = {
        "host": host,
        "port": port,
        "user": user,
        "password": password,
        "dbname": dbname,
        "sslmode": "require" if tls else "disable",
        "gssencmode": "disable",
        "channel_binding": "prefer",
        "options": "",
        "target_session_attrs": "any",
        "connect_timeout": 10,
        "application_name": "pgc-lab",
    }
    if tls and ca_cert is not None:
        kwargs["sslrootcert"] = str(ca_cert)
    return kwargs


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
