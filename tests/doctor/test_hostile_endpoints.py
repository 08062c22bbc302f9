"""The doctor against hostile loopback endpoints, in every output format (issue 12, "Done when").

For each endpoint (silent, garbage, trickle, a TLS-only front end, a 1 MB error, an unknown
authentication request, cleartext and MD5 servers, a login with hostile ParameterStatus values)
the tests assert: the command returned (exit 0 or 1, the JSON document valid against its schema),
the finding id, no control character and no HTML a server wrote in any format (human, json,
github, junit, markdown), JUnit that parses as XML, Markdown whose HTML carries no server markup,
bounded output, and what the fake server received: never the password, raw or percent-encoded.

The wall time is NOT asserted (no timed assertions): the product bounds it with its own deadline
(PRODUCT.md §8, `--timeout` + 0.5 s); the elapsed time the doctor reports is printed.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from markdown_it import MarkdownIt

from tests.doctor.fake_server import BIG, FakeServer, fake_postgres
from tests.doctor.helpers import ids, one
from tests.helpers import CliResult, cli

PASSWORD = "Hx9-never-to-a-fake"
FORMATS = ["human", "json", "github", "junit", "markdown"]
# Only the line breaks the renderers make; no other control character may reach the output.
_RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e\ufffe\ud800-\udfff]")
_BOUND = 64 * 1024  # far above a normal report, far below the 1 MB a server sent


@dataclass(frozen=True)
class Endpoint:
    mode: str
    finding: str  # the finding id the doctor must report for the target
    code: int  # 1: an error finding; 0: warnings only
    echoes: bool = False  # the endpoint's text is shown (escaped) in the finding
    markup: bool = False  # ... as far as its HTML (`<!-- </table> <a href…>`)


ENDPOINTS = [
    Endpoint("silent", "not-postgres", 1),
    Endpoint("garbage", "not-postgres", 1, echoes=True),
    Endpoint("garbage-login", "connect-failed", 1),
    Endpoint("trickle", "connect-failed", 1),
    Endpoint("tls-only", "not-postgres", 1),
    Endpoint("big-error", "connect-failed", 1),
    Endpoint("big-query-error", "server-query-failed", 1, echoes=True, markup=True),
    Endpoint("unknown-auth", "connect-failed", 1),
    Endpoint("hostile-login", "server-query-failed", 1, echoes=True, markup=True),
    Endpoint("late-then-silent", "connect-failed", 1),  # N at once here, then nothing
    Endpoint("ssh", "not-postgres", 1),
    Endpoint("cleartext", "auth-cleartext-refused", 0),
    Endpoint("md5", "server-query-failed", 1),  # loopback: the hash may go, the login then "works"
]


@dataclass
class Run:
    server: FakeServer
    outputs: dict[str, CliResult]


def _doctor(port: int, fmt: str) -> CliResult:
    url = f"DATABASE_URL=postgresql://app:{PASSWORD}@127.0.0.1:{port}/app"
    return cli("doctor", "--no-environment", "--timeout", "1", "--url", url, "--format", fmt)


@pytest.fixture(scope="module", params=ENDPOINTS, ids=lambda e: e.mode)
def hostile(request: pytest.FixtureRequest) -> Iterator[tuple[Endpoint, Run]]:
    """The doctor run once per format against one hostile endpoint."""
    endpoint: Endpoint = request.param
    with fake_postgres(endpoint.mode) as server:
        outputs = {fmt: _doctor(server.port, fmt) for fmt in FORMATS}
    yield endpoint, Run(server, outputs)


def test_the_doctor_returns_with_the_finding(hostile: tuple[Endpoint, Run]) -> None:
    endpoint, run = hostile
    result = run.outputs["json"]
    doc = json.loads(result.stdout)  # and valid against pgc.doctor/v1 (checked by `cli`)
    print(f"{endpoint.mode}: {doc['elapsed_ms']:.0f} ms (--timeout 1)")
    assert endpoint.finding in ids(doc, "DATABASE_URL")
    for fmt, out in run.outputs.items():
        assert out.exit_code == endpoint.code, (fmt, out.stderr)
        assert "Traceback" not in out.stderr and "internal error" not in out.stderr
        assert endpoint.finding in out.stdout, fmt


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_server_byte_reaches_any_format_unescaped(hostile: tuple[Endpoint, Run], fmt: str) -> None:
    endpoint, run = hostile
    out = run.outputs[fmt]
    assert _RAW.findall(out.stdout) == [] and _RAW.findall(out.stderr) == []
    assert len(out.stdout) < _BOUND  # a 1 MB server message is cut, not repeated in each place
    if endpoint.echoes:  # shown, as text
        assert "owned" in out.stdout


def test_junit_is_valid_xml_and_names_the_finding(hostile: tuple[Endpoint, Run]) -> None:
    endpoint, run = hostile
    root = ET.fromstring(run.outputs["junit"].stdout)
    names = [case.get("name", "") for case in root.iter("testcase")]
    assert any(endpoint.finding in name for name in names), names
    if endpoint.echoes:
        text = "".join(root.itertext())
        assert "owned" in text  # the server's text is text inside the XML
    if endpoint.markup:
        assert "<!-- </table> <a href='http://evil.example/'>" in "".join(root.itertext())


def test_markdown_carries_no_markup_a_server_wrote(hostile: tuple[Endpoint, Run]) -> None:
    endpoint, run = hostile
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(run.outputs["markdown"].stdout)
    assert "<!--" not in html and "<a href" not in html and "<img" not in html
    assert html.count("<table>") == html.count("</table>")
    assert endpoint.finding in html
    if endpoint.echoes:
        assert "owned" in html  # shown as text
    if endpoint.markup:
        assert "&lt;!--" in html and "&lt;/table&gt;" in html


def test_the_fake_server_never_received_the_password(hostile: tuple[Endpoint, Run]) -> None:
    endpoint, run = hostile
    received = bytes(run.server.received)
    for form in (PASSWORD, quote(PASSWORD, safe="")):
        assert form.encode() not in received
    if endpoint.mode == "cleartext":
        assert run.server.password_messages == 0  # refused before sending (libpq require_auth)
    if endpoint.mode == "md5":
        assert run.server.password_messages == len(FORMATS)  # the salted hash, to loopback only
        assert b"md5" in received


def test_the_password_is_in_no_output(hostile: tuple[Endpoint, Run]) -> None:
    _, run = hostile
    for out in run.outputs.values():
        for form in (PASSWORD, quote(PASSWORD, safe="")):
            assert form not in out.stdout and form not in out.stderr


def test_md5_toward_another_machine_over_plaintext_sends_nothing_in_any_format() -> None:
    with fake_postgres("md5") as server:
        outputs = []
        for fmt in FORMATS:
            url = f"DATABASE_URL=postgresql://app:{PASSWORD}@db.pgc.test:{server.port}/app"
            outputs.append(
                cli(
                    *("doctor", "--no-environment", "--timeout", "1", "--url", url),
                    *("--resolve", "db.pgc.test:127.0.0.1", "--format", fmt),
                )
            )
    assert server.password_messages == 0 and PASSWORD.encode() not in server.received
    for out in outputs:
        assert "auth-md5-plaintext" in out.stdout and PASSWORD not in out.stdout + out.stderr


def test_the_big_error_is_cut_saying_how_much_was_left_out() -> None:
    with fake_postgres("big-query-error") as server:
        doc = json.loads(_doctor(server.port, "json").stdout)
    (found,) = [f for f in doc["targets"][0]["findings"] if f["id"] == "server-query-failed"]
    assert found["detail"].endswith("more characters)")
    assert len(found["detail"]) < BIG // 64


def test_a_tls_only_front_end_is_named_and_the_fix_offers_direct_tls() -> None:
    # a TLS-terminating proxy answers the SSLRequest with a TLS alert record, not S or N
    with fake_postgres("tls-only") as server:
        doc = json.loads(_doctor(server.port, "json").stdout)
    found = one(doc, "not-postgres")
    assert "TLS-only front end" in found["detail"]
    assert "sslnegotiation=direct" in found["fix"]
