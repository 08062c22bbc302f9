"""`url direct`/`url pooled` (and `providers.derive_*`) on URLs with several hosts: every host is
derived, or the command says it cannot — never a URL libpq refuses."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pgconnect_cli.cli import app
from pgconnect_cli.conninfo import parse, to_uri
from pgconnect_cli.providers import DerivationError, derive_direct, derive_pooled

runner = CliRunner()
NEON_A = "ep-a-pooler.us-east-2.aws.neon.tech"
NEON_B = "ep-b-pooler.us-east-2.aws.neon.tech"


def url(command: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["url", command, *args])
    return result.exit_code, result.stdout.strip(), result.stderr


def _libpq_can_pair(text: str) -> bool:
    """libpq's connect-time rule: one port, or one per host (`could not match N port numbers …`)."""
    ci = parse(text)
    hosts = (ci.get("host") or "").split(",")
    ports = (ci.get("port") or "").split(",")
    return ci.get("port") is None or len(ports) in (1, len(hosts))


def test_direct_derives_every_neon_host() -> None:
    code, out, _ = url("direct", f"postgresql://u:pw@{NEON_A},{NEON_B}/db")
    assert code == 0
    assert out == "postgresql://u:pw@ep-a.us-east-2.aws.neon.tech,ep-b.us-east-2.aws.neon.tech/db"


def test_direct_keeps_one_port_per_host() -> None:
    code, out, _ = url("direct", f"postgresql://u:pw@{NEON_A}:5432,{NEON_B}:5432/db")
    assert code == 0
    assert out == "postgresql://u:pw@ep-a.us-east-2.aws.neon.tech:5432,ep-b.us-east-2.aws.neon.tech:5432/db"
    assert _libpq_can_pair(out)


def test_direct_host_flag_on_several_pooler_hosts_gives_a_url_libpq_accepts() -> None:
    code, out, _ = url("direct", "postgresql://u:pw@h1:6432,h2:6432/db", "--direct-host", "pg1")
    assert code == 0
    assert out == "postgresql://u:pw@pg1:6432/db"


def test_direct_host_flag_with_several_hosts_and_different_ports_asks_for_the_port() -> None:
    code, out, err = url("direct", "postgresql://u:pw@h1:6432,h2:6433/db", "--direct-host", "pg1")
    assert (code, out) == (1, "")
    assert "url-not-derivable" in err and "--direct-port" in err


def test_pooler_host_flag_on_several_hosts_gives_a_url_libpq_accepts() -> None:
    code, out, _ = url("pooled", "postgresql://u:pw@h1:5432,h2:5432/db", "--pooler-host", "pool")
    assert code == 0
    assert out == "postgresql://u:pw@pool:5432/db"


def test_direct_derives_both_azure_hosts() -> None:
    raw = "postgresql://u:pw@x.postgres.database.azure.com:6432,y.postgres.database.azure.com:6432/db"
    code, out, _ = url("direct", raw)
    assert code == 0
    assert out == (
        "postgresql://u:pw@x.postgres.database.azure.com:5432,y.postgres.database.azure.com:5432/db"
    )


def test_pooled_derives_every_neon_host() -> None:
    direct = "postgresql://u:pw@ep-a.us-east-2.aws.neon.tech,ep-b.us-east-2.aws.neon.tech/db"
    code, out, _ = url("pooled", direct)
    assert code == 0
    assert out == f"postgresql://u:pw@{NEON_A},{NEON_B}/db"


def test_hosts_of_different_kinds_are_not_derivable() -> None:
    code, out, err = url("direct", f"postgresql://u:pw@{NEON_A},db.example.com/db")
    assert (code, out) == (1, "")
    assert err.startswith("pgc: error: url-not-derivable: several hosts")


def test_derive_direct_for_several_hosts_is_pure_and_complete() -> None:
    derived = derive_direct(parse(f"postgresql://u:pw@{NEON_A},{NEON_B}/db?sslmode=require"))
    assert [hp.host for hp in derived.hosts] == [
        "ep-a.us-east-2.aws.neon.tech",
        "ep-b.us-east-2.aws.neon.tech",
    ]
    assert to_uri(derived).endswith("/db?sslmode=require")


def test_derive_pooled_refuses_a_mixed_host_list() -> None:
    with pytest.raises(DerivationError, match="several hosts"):
        derive_pooled(parse("postgresql://u:pw@ep-a.us-east-2.aws.neon.tech,db.example.com/db"))
