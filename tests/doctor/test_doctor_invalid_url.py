"""`pgc doctor` on a URL libpq would refuse before connecting: no live probe, no internal error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pgconnect_cli import lab as pgc_lab
from tests.doctor.helpers import check, ids, rewrite, target
from tests.fakes import dns_server

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]


def test_port_out_of_range_skips_the_live_layers_naming_the_finding(doctor_json: DoctorJson) -> None:
    code, doc = doctor_json("--no-environment", "--url", "postgresql://a@127.0.0.1:99999/db")
    assert code == 1
    assert ids(doc) == ["param-value-invalid"]
    checks = target(doc, "URL")["checks"]
    assert {c["status"] for c in checks} == {"skip"}
    assert {c["summary"] for c in checks} == {"skipped: URL invalid: param-value-invalid"}


def test_port_out_of_range_on_a_host_name_asks_no_dns_server(doctor_json: DoctorJson) -> None:
    with dns_server({"db.pgc.test": "127.0.0.1"}) as server:
        code, doc = doctor_json(
            "--no-environment", "--url", "postgresql://a@db.pgc.test:99999/db", "--resolver", server.address
        )
    assert code == 1
    assert server.queries == []
    assert check(doc, "URL", "dns")["summary"] == "skipped: URL invalid: param-value-invalid"


def test_invalid_sslmode_skips_the_live_layers(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    code, doc = doctor_json("--url", f"DIRECT_URL={rewrite(lab.direct_url, sslmode='requir')}")
    assert code == 1
    assert check(doc, "DIRECT_URL", "auth")["summary"] == "skipped: URL invalid: param-value-invalid"


def test_a_prisma_only_parameter_with_a_bad_value_is_still_probed(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json("--url", f"DIRECT_URL={rewrite(lab.direct_url, pgbouncer='yes')}")
    assert "param-value-invalid" in ids(doc)
    assert check(doc, "DIRECT_URL", "auth")["status"] == "pass"
