"""A hot standby of a lab primary, made the way operators make one: `pg_basebackup -R`.

The primary must have been started with `ServerSpec(replication=True)` (wal_level=replica,
WAL senders, `replication` lines in pg_hba.conf). The standby streams from it, answers
read-only queries (`pg_is_in_recovery()` is true, every write fails with `cannot execute …
in a read-only transaction`), and has the primary's roles and passwords.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from pgconnect_cli.lab.binaries import PgBinaries
from pgconnect_cli.lab.errors import LabError
from pgconnect_cli.lab.postgres import Passwords, PostgresServer, start_postgres
from pgconnect_cli.lab.system import RunAs, check_ok, run_tool, write_private


def _passfile_line(port: int, user: str, password: str) -> str:
    def esc(value: str) -> str:
        return value.replace("\\", "\\\\").replace(":", "\\:")

    return f"127.0.0.1:{port}:*:{esc(user)}:{esc(password)}\n"


@dataclass(frozen=True)
class BaseBackup:
    """A `ClusterSource`: the data directory is a `pg_basebackup -R` of `primary`.

    The superuser's password reaches pg_basebackup through a 0600 passfile, never its command
    line; `-R` writes `primary_conninfo` (with that password) into the standby's own
    `postgresql.auto.conf`, inside its 0700 data directory.
    """

    primary: PostgresServer = field(repr=False)

    def create(self, data: Path, binaries: PgBinaries, run_as: RunAs | None, pwfile: Path) -> str:
        primary = self.primary
        passfile = data.parent / "primary.pgpass"
        write_private(
            passfile, _passfile_line(primary.port, primary.superuser, primary.superuser_password), run_as
        )
        args: list[str | os.PathLike[str]] = [binaries.bindir / "pg_basebackup", "-D", data, "-R"]
        args += ["-X", "stream", "-c", "fast", "--no-sync", "-w"]
        args += ["-h", "127.0.0.1", "-p", str(primary.port), "-U", primary.superuser]
        env = {"PGPASSFILE": str(passfile), "PGSSLMODE": "require" if primary.spec.tls else "disable"}
        check_ok(run_tool(args, run_as=run_as, cwd=data.parent, extra_env=env), "pg_basebackup")
        return primary.superuser_password


def start_standby(directory: Path, primary: PostgresServer) -> PostgresServer:
    """Start a hot standby of `primary` in `directory` (created), with the same certificates."""
    if not primary.spec.replication:
        raise LabError("the primary was not started for replication: use ServerSpec(replication=True)")
    return start_postgres(
        directory,
        replace(primary.spec, standby=True),
        certs=primary.certs,
        binaries=PgBinaries(primary.bindir),
        run_as=primary.run_as,
        cluster=BaseBackup(primary),
        passwords=Passwords(superuser=primary.superuser_password, role=primary.password),
    )
