"""The URL as the app's libpq will read it: its own settings, then the service file's, then the
PG* environment variables, each only where nothing before set it (pure; the files are read by
`probes.libpq_files` first). Says which value came from where."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pgconnect_cli.conninfo.build import ENV_VARS
from pgconnect_cli.conninfo.model import ConnInfo
from pgconnect_cli.doctor.observations import ServiceEntry
from pgconnect_cli.project import Client

# Clients that read the PG* variables for what the URL leaves out; Prisma reads none of them.
ENV_READING = (None, Client.PSYCOPG, Client.ASYNCPG, Client.NODE_POSTGRES, Client.OTHER)
# Clients whose libpq reads service files.
SERVICE_READING = (None, Client.PSYCOPG, Client.OTHER)


@dataclass(frozen=True)
class Effective:
    ci: ConnInfo
    sources: tuple[tuple[str, str], ...]  # (setting, where its value came from), for those not in the URL
    service: ServiceEntry | None = None  # the service= lookup, when the URL (or PGSERVICE) names one


def service_name(ci: ConnInfo, environ: Mapping[str, str], client: Client | None) -> str | None:
    if client not in SERVICE_READING:
        return None
    return ci.get("service") or environ.get("PGSERVICE") or None


def effective(
    ci: ConnInfo, environ: Mapping[str, str], client: Client | None, service: ServiceEntry | None
) -> Effective:
    """`ci` with what libpq adds from the service file and the environment."""
    if client not in ENV_READING:
        return Effective(ci, ())
    present = {k for k, v in ci.options if v != ""}
    changes: dict[str, str | None] = {}
    sources: list[tuple[str, str]] = []
    if service is not None and service.path is not None:
        for key, value in service.values:
            if key not in present and key not in changes:
                changes[key] = value
                sources.append((key, f"service {service.name} in {service.path}"))
        changes["service"] = None  # applied here: the probe must not look it up again
    for key, var in ENV_VARS.items():
        if key in ("service", "passfile") or key in present or key in changes:
            continue
        from_env = environ.get(var)
        if from_env:
            changes[key] = from_env
            sources.append((key, var))
    if not changes:
        return Effective(ci, (), service)
    return Effective(ci.replace(**changes), tuple(sources), service)
