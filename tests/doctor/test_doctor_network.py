"""`pgc doctor` when the network is the problem: loopback fakes for what cannot be real here."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.doctor import DoctorOptions, run
from pgconnect_cli.probes.local import has_ipv6_route
from pgconnect_cli.targets import Source, Target
from tests.doctor.helpers import check, ids, one, problems, rewrite, target
from tests.fakes import closed_port, delay_proxy, dns_server, http_listener, syn_drop_port

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]


def test_closed_port_is_tcp_refused(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    url = rewrite(lab.direct_url, host="127.0.0.1", port=str(closed_port()))
    code, doc = doctor_json("--url", f"DIRECT_URL={url}")
    assert code == 1
    assert one(doc, "tcp-refused")["severity"] == "error"
    assert check(doc, "DIRECT_URL", "tls")["summary"] == "skipped: tcp failed"


def test_port_dropping_syns_is_tcp_timeout_reporting_the_configured_timeout(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    with syn_drop_port() as port:
        url = rewrite(lab.direct_url, host="127.0.0.1", port=str(port))
        code, doc = doctor_json("--url", f"DIRECT_URL={url}", "--timeout", "2")
    assert code == 1
    found = one(doc, "tcp-timeout")
    assert found["severity"] == "error"
    assert "within 2.0 s" in found["detail"]
    assert f"port {port}" in found["fix"]
    print(f"elapsed: {doc['elapsed_ms']:.0f} ms")


def test_both_urls_dropping_syns_are_probed_concurrently() -> None:
    with syn_drop_port() as first, syn_drop_port() as second:
        targets = [
            Target("DATABASE_URL", f"postgresql://app:pw@127.0.0.1:{first}/app", Source.FLAG),
            Target("DIRECT_URL", f"postgresql://app:pw@127.0.0.1:{second}/app", Source.FLAG),
        ]
        report = run(targets, DoctorOptions(timeout=2))
    print(f"elapsed: {report.elapsed_ms:.0f} ms")
    assert [tf.finding.id for t in report.targets for tf in t.findings if tf.layer == "tcp"] == [
        "tcp-timeout",
        "tcp-timeout",
    ]
    tcp = [t.observations.tcp for t in report.targets]
    assert tcp[0] is not None and tcp[1] is not None
    assert max(o.started for o in tcp) < min(o.finished for o in tcp)


def test_http_listener_is_not_postgres(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    with http_listener() as port:
        url = rewrite(lab.direct_url, host="127.0.0.1", port=str(port))
        code, doc = doctor_json("--url", f"DIRECT_URL={url}")
    assert code == 1
    found = one(doc, "not-postgres")
    assert found["severity"] == "error"
    assert "HTTP" in found["detail"]


def test_name_the_dns_server_does_not_know_is_dns_not_found(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    with dns_server({"db.pgc.test": "127.0.0.1"}) as server:
        url = rewrite(lab.direct_url, host="nope.pgc.test")
        code, doc = doctor_json("--url", f"DIRECT_URL={url}", "--resolver", server.address)
    assert code == 1
    assert one(doc, "dns-not-found")["severity"] == "error"
    assert check(doc, "DIRECT_URL", "tcp")["status"] == "skip"


def test_failing_dns_server_is_dns_failed(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    with dns_server({}, fail={"db.pgc.test": "SERVFAIL"}) as server:
        url = rewrite(lab.direct_url, host="db.pgc.test")
        code, doc = doctor_json("--url", f"DIRECT_URL={url}", "--resolver", server.address)
    assert code == 1
    assert one(doc, "dns-failed")["severity"] == "error"


def test_name_with_only_an_aaaa_record_is_dns_ipv6_only_and_the_rest_passes(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    with dns_server({"v6only.pgc.test": "::1"}) as server:
        url = rewrite(lab.direct_url, host="v6only.pgc.test", sslmode="require")
        code, doc = doctor_json("--url", f"DIRECT_URL={url}", "--resolver", server.address)
    found = one(doc, "dns-ipv6-only")
    assert found["severity"] == ("info" if has_ipv6_route() else "warning")
    assert target(doc, "DIRECT_URL")["observed"]["addresses"] == ["::1"]
    assert check(doc, "DIRECT_URL", "auth")["status"] == "pass"
    assert code == 0


def test_name_with_a_and_cname_resolves_through_the_dns_server(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    records = {"alias.pgc.test": "CNAME db.pgc.test.", "db.pgc.test": "127.0.0.1"}
    with dns_server(records) as server:
        url = rewrite(lab.direct_url, host="alias.pgc.test", sslmode="require")
        code, doc = doctor_json("--url", f"DIRECT_URL={url}", "--resolver", server.address)
    assert code == 0
    assert target(doc, "DIRECT_URL")["observed"]["addresses"] == ["127.0.0.1"]


def test_connect_slower_than_half_the_connect_timeout_is_slow_connect(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    # The SSLRequest probe and the login each wait 2.1 s for the proxy: at least 52 % of
    # connect_timeout=4, and nearly 2 s short of it for TLS and SCRAM on a busy machine.
    with delay_proxy("127.0.0.1", lab.postgres.port, 2.1, delay_first=2) as port:
        url = rewrite(lab.direct_url, host="127.0.0.1", port=str(port), connect_timeout="4")
        code, doc = doctor_json("--url", f"DIRECT_URL={url}", "--timeout", "10")
    found = one(doc, "slow-connect")
    assert found["severity"] == "warning"
    assert "connect_timeout=4" in found["detail"]
    assert code == 0


@contextlib.contextmanager
def _silent_after_ssl_request(answer: bytes) -> Iterator[int]:
    """A loopback port that reads the SSLRequest, answers `answer` (b"": nothing) and then stays
    silent until the test ends: a proxy that agreed to TLS and is still waking its database."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = listener.accept()
                accepted.append(conn)
                conn.recv(8)
                if answer:
                    conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True, name="pgc-test-silent-tls")
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        for sock in (listener, *accepted):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        thread.join(5)


@pytest.fixture
def tls_probe_overruns(monkeypatch: pytest.MonkeyPatch) -> None:
    """The TLS probe outlasts the run's budget, as it can on a loaded machine: the doctor then
    reports the layer as cut by the budget."""
    from pgconnect_cli.probes import tls

    real = tls.probe

    def overrunning(sock: socket.socket, pol: Any, budget: float, *args: Any, **kwargs: Any) -> Any:
        return real(sock, pol, budget + 5, *args, **kwargs)

    monkeypatch.setattr(tls, "probe", overrunning)


@pytest.mark.usefixtures("tls_probe_overruns")
def test_tls_handshake_cut_by_the_budget_after_an_s_answer_is_tls_handshake_failed(
    doctor_json: DoctorJson,
) -> None:
    with _silent_after_ssl_request(b"S") as port:
        url = f"postgresql://app:pw@127.0.0.1:{port}/app?sslmode=require"
        code, doc = doctor_json("--url", f"DIRECT_URL={url}", "--timeout", "1")
    assert code == 1
    assert "not-postgres" not in ids(doc)
    found = one(doc, "tls-handshake-failed")
    assert "answered S" in found["detail"]
    assert "no TLS handshake within" in found["detail"]


@pytest.mark.usefixtures("tls_probe_overruns")
def test_no_ssl_request_answer_cut_by_the_budget_is_not_postgres(doctor_json: DoctorJson) -> None:
    with _silent_after_ssl_request(b"") as port:
        url = f"postgresql://app:pw@127.0.0.1:{port}/app?sslmode=require"
        code, doc = doctor_json("--url", f"DIRECT_URL={url}", "--timeout", "1")
    assert code == 1
    assert "did not answer SSLRequest" in one(doc, "not-postgres")["detail"]


def test_fast_connect_is_not_slow_connect(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    _, doc = doctor_json("--url", f"DIRECT_URL={rewrite(lab.direct_url, connect_timeout='2')}")
    assert "slow-connect" not in ids(doc)
    assert check(doc, "DIRECT_URL", "latency")["status"] == "pass"


def test_tcp_proxy_in_front_of_the_server_is_observed_as_a_proxy(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    with delay_proxy("127.0.0.1", lab.postgres.port, 0) as port:
        url = rewrite(lab.direct_url, host="127.0.0.1", port=str(port))
        _, doc = doctor_json("--url", f"DIRECT_URL={url}")
    assert target(doc, "DIRECT_URL")["observed"]["pooler"] == "proxy"


@pytest.mark.parametrize(
    ("host", "via_pooler", "provider"),
    [
        ("ep-cool-darkness-123456.us-east-2.aws.neon.tech", False, "neon"),
        ("ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech", True, "neon"),
        ("db.abcdefghijklmnopqrst.supabase.co", False, "supabase"),
        ("db.prisma.io", False, "prisma-postgres"),
    ],
)
def test_provider_host_names_pinned_to_the_lab_are_classified_and_pass(
    lab: pgc_lab.Lab, doctor_json: DoctorJson, host: str, via_pooler: bool, provider: str
) -> None:
    base = lab.pooled_url if via_pooler else lab.direct_url
    url = rewrite(base, host=host, sslmode="require")
    pinned = ("--resolve", f"{host}:127.0.0.1", "--client", "node-postgres")  # names no statements
    code, doc = doctor_json("--url", f"PROVIDER_URL={url}", *pinned)
    assert target(doc, "PROVIDER_URL")["provider"] == provider
    assert problems(doc) == []
    assert code == 0


def test_ctrl_c_during_the_doctor_says_interrupted_and_exits_130() -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    with dns_server({}, fail={"hang.pgc.test": "timeout"}) as server:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "pgconnect_cli", "doctor", "--no-environment", "--timeout", "60"),
                *("--url", "DATABASE_URL=postgresql://app@hang.pgc.test/app", "--resolver", server.address),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        deadline = time.monotonic() + 30
        while not server.queries and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)  # the doctor is waiting on the DNS server: interrupt it there
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert server.queries
    assert proc.returncode == 130
    assert err == "pgc: interrupted\n"
    assert out == ""
