"""Logins that go to one address, port and TLS policy share one TCP dial and TLS probe (the URLs
of one app that differ only in application_name): each still logs in itself, each still shows
what the probe saw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from pgconnect_cli import lab as pgc_lab
from tests.doctor.helpers import check, rewrite
from tests.fakes import counting_proxy

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]


def test_logins_to_one_path_share_its_tcp_dial_and_tls_probe(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    direct = urlsplit(lab.direct_url)
    assert direct.port is not None
    with counting_proxy("127.0.0.1", direct.port) as (port, accepted):
        base = rewrite(lab.direct_url, host="127.0.0.1", port=str(port), sslmode="require")
        urls = [f"--url=APP{i}_URL={rewrite(base, application_name=f'app{i}')}" for i in range(5)]
        code, doc = doctor_json("--no-environment", *urls)
    assert code == 0, doc
    assert len(doc["targets"]) == 5
    for target in doc["targets"]:
        for layer in ("tcp", "tls", "auth"):
            assert check(doc, target["name"], layer)["status"] == "pass", (target["name"], layer)
        assert target["observed"]["tls"] is True, target["name"]
        assert "certificate for localhost" in check(doc, target["name"], "tls")["summary"]
    assert len(accepted) == 1 + 5  # one dial and TLS probe for the path, then five logins


def test_another_tls_policy_is_another_path(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    direct = urlsplit(lab.direct_url)
    assert direct.port is not None
    with counting_proxy("127.0.0.1", direct.port) as (port, accepted):
        base = rewrite(lab.direct_url, host="127.0.0.1", port=str(port))
        urls = [
            f"--url=A_URL={rewrite(base, sslmode='require', application_name='a')}",
            f"--url=B_URL={rewrite(base, sslmode='prefer', application_name='b')}",
        ]
        code, doc = doctor_json("--no-environment", *urls)
    assert code in (0, 1), doc
    assert len(accepted) == 2 + 2  # a probe per policy, a login per URL
