"""The lab's private CA and its server certificate for localhost, 127.0.0.1 and ::1."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pgconnect_cli.lab.binaries import find_openssl
from pgconnect_cli.lab.errors import LabError
from pgconnect_cli.lab.system import RunAs, absolute, check_ok, chown_to, run_tool, write_private


@dataclass(frozen=True)
class Certs:
    """A private CA and a server certificate for localhost, 127.0.0.1 and ::1."""

    ca_cert: Path
    ca_key: Path
    server_cert: Path
    server_key: Path


_OPENSSL_CA_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
CN = pgconnect lab CA
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
"""


_OPENSSL_SERVER_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""


def make_certs(directory: Path, run_as: RunAs | None = None, *, openssl: Path | None = None) -> Certs:
    """Create a CA and a server certificate (EC P-256) in `directory` (which must not exist yet).

    The server key belongs to `run_as` (PostgreSQL requires its key to be owned by the server
    user, mode 0600); the CA key stays with the caller.
    """
    openssl = openssl or find_openssl()
    directory = absolute(directory)
    directory.mkdir(mode=0o711 if run_as else 0o700)
    os.chmod(directory, 0o711 if run_as else 0o700)
    certs = Certs(
        ca_cert=directory / "ca.crt",
        ca_key=directory / "ca.key",
        server_cert=directory / "server.crt",
        server_key=directory / "server.key",
    )
    ca_cfg = directory / "ca.cnf"
    server_cfg = directory / "server.cnf"
    csr = directory / "server.csr"
    write_private(ca_cfg, _OPENSSL_CA_CONFIG)
    write_private(server_cfg, _OPENSSL_SERVER_CONFIG)
    serial = "0x" + format(secrets.randbits(120) | (1 << 119), "x")
    Args = list[str | os.PathLike[str]]
    genkey: Args = [openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out"]
    ca_cert: Args = [openssl, "req", "-new", "-x509", "-config", ca_cfg, "-key", certs.ca_key]
    ca_cert += ["-sha256", "-days", "3650", "-out", certs.ca_cert]
    request: Args = [openssl, "req", "-new", "-config", server_cfg, "-key", certs.server_key, "-out", csr]
    sign: Args = [openssl, "x509", "-req", "-in", csr, "-CA", certs.ca_cert, "-CAkey", certs.ca_key]
    sign += ["-set_serial", serial, "-days", "825", "-sha256", "-out", certs.server_cert]
    sign += ["-extfile", server_cfg, "-extensions", "v3_server"]
    steps: list[tuple[Args, str]] = [
        ([*genkey, certs.ca_key], "openssl genpkey (CA key)"),
        (ca_cert, "openssl req (CA certificate)"),
        ([*genkey, certs.server_key], "openssl genpkey (server key)"),
        (request, "openssl req (server request)"),
        (sign, "openssl x509 (server certificate)"),
    ]
    for args, what in steps:
        check_ok(run_tool(args, run_as=None, timeout=60), what)
    for leftover in (ca_cfg, server_cfg, csr):
        leftover.unlink()
    os.chmod(certs.ca_cert, 0o644)
    os.chmod(certs.server_cert, 0o644)
    os.chmod(certs.ca_key, 0o600)
    os.chmod(certs.server_key, 0o600)
    chown_to(certs.server_key, run_as)
    chown_to(certs.server_cert, run_as)
    return certs


@dataclass(frozen=True)
class ClientCert:
    """A client certificate and key for `sslcert=` / `sslkey=`; the CN is the role it logs in as."""

    cert: Path
    key: Path


_OPENSSL_CLIENT_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = {cn}
[v3_client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
"""


def make_client_cert(certs: Certs, directory: Path, user: str, *, openssl: Path | None = None) -> ClientCert:
    """A certificate for `user` from `certs`' CA, in `directory` (created when missing).

    The key is 0600 and belongs to the caller, as libpq requires of `sslkey`.
    """
    if not user or any(c in user for c in '\\/,+=<>#;"\n'):
        raise LabError(f"cannot put role name {user!r} into a certificate subject")
    openssl = openssl or find_openssl()
    directory = absolute(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    client = ClientCert(cert=directory / f"{user}.crt", key=directory / f"{user}.key")
    cfg = directory / f"{user}.cnf"
    csr = directory / f"{user}.csr"
    write_private(cfg, _OPENSSL_CLIENT_CONFIG.format(cn=user))
    serial = "0x" + format(secrets.randbits(120) | (1 << 119), "x")
    Args = list[str | os.PathLike[str]]
    genkey: Args = [openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
    request: Args = [openssl, "req", "-new", "-config", cfg, "-key", client.key, "-out", csr]
    sign: Args = [openssl, "x509", "-req", "-in", csr, "-CA", certs.ca_cert, "-CAkey", certs.ca_key]
    sign += ["-set_serial", serial, "-days", "825", "-sha256", "-out", client.cert]
    sign += ["-extfile", cfg, "-extensions", "v3_client"]
    steps: list[tuple[Args, str]] = [
        ([*genkey, "-out", client.key], "openssl genpkey (client key)"),
        (request, "openssl req (client request)"),
        (sign, "openssl x509 (client certificate)"),
    ]
    for args, what in steps:
        check_ok(run_tool(args, run_as=None, timeout=60), what)
    cfg.unlink()
    csr.unlink()
    os.chmod(client.key, 0o600)
    os.chmod(client.cert, 0o644)
    return client


def certs_to_json(certs: Certs | None) -> dict[str, str] | None:
    if certs is None:
        return None
    return {k: str(v) for k, v in vars(certs).items()}


def certs_from_json(data: Mapping[str, str] | None) -> Certs | None:
    return None if data is None else Certs(**{k: Path(v) for k, v in data.items()})
