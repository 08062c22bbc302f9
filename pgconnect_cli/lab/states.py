"""Put a running lab server's roles and databases into the states users hit (issue 11).

Each function changes one thing on a running `PostgresServer`, through its superuser, and
returns nothing; the state holds until the role or database is dropped (hba and setting
changes until `restore_hba`). Names are quoted as identifiers; passwords only ever travel as
verifiers. They are plain functions so that `pgc lab` could offer the same states.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from pgconnect_cli.lab.certs import Certs
from pgconnect_cli.lab.errors import LabError
from pgconnect_cli.lab.postgres import PostgresServer
from pgconnect_cli.lab.system import chown_to

if TYPE_CHECKING:
    from psycopg import sql

_RELOAD_TIMEOUT = 10.0
_LOOPBACK_NETS = ("127.0.0.1/32", "::1/128")


def _alter_role(server: PostgresServer, role: str, clause: str) -> None:
    from psycopg import sql

    with server.connect_admin() as conn:
        conn.execute(sql.SQL("ALTER ROLE {} " + clause).format(sql.Identifier(role)))


def _ident(name: str) -> sql.Identifier:
    from psycopg import sql

    return sql.Identifier(name)


def make_read_only(server: PostgresServer, role: str) -> None:
    """`ALTER ROLE … SET default_transaction_read_only = on`: every write of its new sessions fails
    with `cannot execute … in a read-only transaction`, as on an RDS/Aurora reader endpoint."""
    _alter_role(server, role, "SET default_transaction_read_only = on")


def make_nologin(server: PostgresServer, role: str) -> None:
    """`ALTER ROLE … NOLOGIN`: `role "…" is not permitted to log in`."""
    _alter_role(server, role, "NOLOGIN")


def limit_connections(server: PostgresServer, role: str, limit: int = 1) -> None:
    """`ALTER ROLE … CONNECTION LIMIT n`: the n+1st session fails with `too many connections for
    role "…"` (SQLSTATE 53300)."""
    from psycopg import sql

    with server.connect_admin() as conn:
        conn.execute(
            sql.SQL("ALTER ROLE {} CONNECTION LIMIT {}").format(_ident(role), sql.Literal(int(limit)))
        )


def expire_password(server: PostgresServer, role: str) -> None:
    """`ALTER ROLE … VALID UNTIL` a past date: the right password fails like a wrong one
    (`password authentication failed for user "…"`); only the server log says why."""
    _alter_role(server, role, "VALID UNTIL '2000-01-01 00:00:00+00'")


def revoke_createdb(server: PostgresServer, role: str) -> None:
    """`ALTER ROLE … NOCREATEDB` (the default for new roles, made explicit): Prisma's shadow
    database for `migrate dev` cannot be created (P3014)."""
    _alter_role(server, role, "NOCREATEDB")


def create_database(server: PostgresServer, name: str, owner: str | None = None) -> None:
    """`CREATE DATABASE name OWNER owner` (the superuser's when None); a no-op when it exists."""
    from psycopg import sql

    with server.connect_admin() as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(_ident(name), _ident(owner or server.superuser))
        )


def drop_database(server: PostgresServer, name: str) -> None:
    from psycopg import sql

    with server.connect_admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(_ident(name)))


def disallow_connections(server: PostgresServer, database: str) -> None:
    """`ALTER DATABASE … ALLOW_CONNECTIONS false`: `database "…" is not currently accepting
    connections` for everyone, the superuser included."""
    from psycopg import sql

    with server.connect_admin() as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(_ident(database)))


def revoke_connect(server: PostgresServer, database: str, role: str) -> None:
    """`REVOKE CONNECT ON DATABASE … FROM PUBLIC, role`: `permission denied for database "…"` /
    `User does not have CONNECT privilege.` (42501). The database's owner keeps its own CONNECT,
    so use a database `role` does not own."""
    from psycopg import sql

    with server.connect_admin() as conn:
        conn.execute(
            sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC, {}").format(_ident(database), _ident(role))
        )


def revoke_create_on_public(server: PostgresServer, database: str, role: str) -> None:
    """`REVOKE CREATE ON SCHEMA public FROM PUBLIC, role` in `database`: PostgreSQL 15's default
    for every role that does not own the database, made explicit for any server version.
    `CREATE TABLE` fails with `permission denied for schema public` (42501)."""
    from psycopg import sql

    with server.connect_admin(database) as conn:
        conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC, {}").format(_ident(role)))


def set_md5_password(server: PostgresServer, role: str, password: str) -> None:
    """Store `role`'s password as an MD5 hash (what `password_encryption = md5` stores) and let it
    log in with `md5` over loopback (a `scram-sha-256` hba line refuses MD5 hashes). The server
    then never offers SCRAM to it: `channel_binding=require` fails."""
    from psycopg import sql

    with server.connect_admin() as conn:
        verifier = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"md5").decode()
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(_ident(role), sql.Literal(verifier)))
    _prepend_hba(server, [f"host all {_hba_name(role)} {net} md5" for net in _LOOPBACK_NETS])


def require_client_certificates(server: PostgresServer, certs: Certs) -> None:
    """Only `hostssl … cert` for every role but the superuser: a login needs a client certificate
    from `certs`' CA whose CN is the role (`connection requires a valid client certificate`).

    `ssl_ca_file` is set to that CA. Use a server of its own: this changes the whole server.
    """
    if not server.spec.tls:
        raise LabError("a server without TLS cannot require client certificates")
    conf = server.data_dir / "pgc_lab_client_certs.conf"
    conf.write_text(f"ssl_ca_file = '{certs.ca_cert}'\n", encoding="utf-8")
    chown_to(conf, server.run_as)
    with (server.data_dir / "postgresql.conf").open("a", encoding="utf-8") as fh:
        fh.write("include_if_exists = 'pgc_lab_client_certs.conf'\n")
    lines = ["local all all scram-sha-256"]
    lines += [f"hostssl all {_hba_name(server.superuser)} {net} scram-sha-256" for net in _LOOPBACK_NETS]
    lines += [f"hostssl all all {net} cert" for net in _LOOPBACK_NETS]
    _write_hba(server, lines)


def restore_hba(server: PostgresServer) -> None:
    """The lab's own pg_hba.conf again (undoes `set_md5_password`'s and the client-certificate lines)."""
    from pgconnect_cli.lab.postgres import lab_hba

    _write_hba(server, lab_hba(server.spec).splitlines())


def _hba_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _prepend_hba(server: PostgresServer, lines: list[str]) -> None:
    hba = server.data_dir / "pg_hba.conf"
    current = hba.read_text(encoding="utf-8").splitlines()
    _write_hba(server, [*lines, *(line for line in current if line not in lines)])


def _write_hba(server: PostgresServer, lines: list[str]) -> None:
    hba: Path = server.data_dir / "pg_hba.conf"
    hba.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chown_to(hba, server.run_as)
    reload(server)


def reload(server: PostgresServer) -> None:
    """`pg_reload_conf()`, and wait until new sessions see the reloaded files.

    A new backend reports the postmaster's `pg_conf_load_time()`, so a later time in a fresh
    session means the postmaster has read pg_hba.conf and the settings again.
    """
    import psycopg

    def load_time() -> object:
        with server.connect_admin() as conn:
            row = conn.execute("SELECT pg_conf_load_time()").fetchone()
        return row[0] if row else None

    before = load_time()
    with server.connect_admin() as conn:
        conn.execute("SELECT pg_reload_conf()")
    deadline = time.monotonic() + _RELOAD_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if load_time() != before:
                return
        except psycopg.Error:
            pass
        time.sleep(0.02)
    raise LabError(f"PostgreSQL (pid {server.pid}) did not reload its configuration")


__all__ = [
    "create_database",
    "disallow_connections",
    "drop_database",
    "expire_password",
    "limit_connections",
    "make_nologin",
    "make_read_only",
    "reload",
    "require_client_certificates",
    "restore_hba",
    "revoke_connect",
    "revoke_create_on_public",
    "revoke_createdb",
    "set_md5_password",
]
