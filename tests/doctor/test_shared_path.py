"""Logins that go to one address, port and TLS policy share one TCP dial and TLS probe (the URLs
of one app that differ only in application_name): each still logs in itself, each still shows
what the probe saw."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from pgconnect_cli import lab as pgc_lab
from tests.doctor.helpers import check, rewrite


@contextmanager
def counting_proxy(port: int) -> Iterator[tuple[int, list[int]]]:
    """A loopback TCP forwarder to `port`: its own port, and the list its accepted connections
    are counted in."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[int] = []
    stop = threading.Event()

    def pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(1)
            upstream = socket.create_connection(("127.0.0.1", port))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=pipe, args=(a, b), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        listener.close()
        thread.join(5)


def test_logins_to_one_path_share_its_tcp_dial_and_tls_probe(lab: pgc_lab.Lab, doctor_json) -> None:  # type: ignore[no-untyped-def]
    direct = urlsplit(lab.direct_url)
    assert direct.port is not None
    with counting_proxy(direct.port) as (port, accepted):
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


def test_another_tls_policy_is_another_path(lab: pgc_lab.Lab, doctor_json) -> None:  # type: ignore[no-untyped-def]
    direct = urlsplit(lab.direct_url)
    assert direct.port is not None
    with counting_proxy(direct.port) as (port, accepted):
        base = rewrite(lab.direct_url, host="127.0.0.1", port=str(port))
        urls = [
            f"--url=A_URL={rewrite(base, sslmode='require', application_name='a')}",
            f"--url=B_URL={rewrite(base, sslmode='prefer', application_name='b')}",
        ]
        code, doc = doctor_json("--no-environment", *urls)
    assert code in (0, 1), doc
    assert len(accepted) == 2 + 2  # a probe per policy, a login per URL
