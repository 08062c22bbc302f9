"""Text from a hostile server reaches no format raw: every renderer is fed it and its output parsed.

The text carries terminal escapes (clear screen, an OSC window title, an OSC 8 link, `ESC[6n`
which makes a terminal type into stdin, the C1 CSI U+009B), HTML that would hide what follows in
Markdown (`<!--`, `</table>`, `<a href>`, an image), workflow-command syntax, a NUL, a bidi
override, a byte that was not UTF-8 and XML's non-characters.
"""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET

import pytest
from markdown_it import MarkdownIt

from pgconnect_cli.checks.url import check_url
from pgconnect_cli.findings import Finding, Severity
from pgconnect_cli.render import github, junit, markdown
from pgconnect_cli.render.emit import OutputFormat, emit
from pgconnect_cli.render.sanitize import escape_controls, is_clean, sanitize
from pgconnect_cli.report import CheckResult, Section, Status

HOSTILE = (
    "\x1b[2J\x1b]0;owned\x07\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\\x1b[6n\x9b6n"
    " <!-- </table> <a href='http://evil.example/'>x</a> ![i](http://evil.example/p.png)"
    " %0A\r\n::error::fake, a:b \x00 \u202e \udcff \ufffe"
)
SERVER = Finding(
    "auth-failed", Severity.ERROR, f"Login refused: {HOSTILE}", f"server said: {HOSTILE}", HOSTILE
)
AFTER = Finding("sslmode-missing", Severity.WARNING, "The finding after", "must stay visible", "")
# only the line breaks the renderers make; no other control character may reach the output
_RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e\ufffe\ud800-\udfff]")


def _check() -> object:
    return dataclasses.replace(check_url("postgresql://app:pw@db.example.com/app"), findings=(SERVER, AFTER))


def _emitted(fmt: OutputFormat, capsys: pytest.CaptureFixture[str]) -> str:
    emit(_check(), fmt)
    return capsys.readouterr().out


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=lambda f: f.value)
def test_no_control_character_from_the_server_reaches_any_format(
    fmt: OutputFormat, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _emitted(fmt, capsys)
    assert _RAW.findall(out) == []
    assert "owned" in out and "sslmode-missing" in out  # shown, escaped, and what follows too


def test_json_shows_the_controls_escaped_not_raw(capsys: pytest.CaptureFixture[str]) -> None:
    out = _emitted(OutputFormat.json, capsys)
    assert "\x9b" not in out and "\\u001b" not in out
    detail = json.loads(out)["findings"][0]["detail"]
    assert detail.startswith("server said: \\x1b[2J\\x1b]0;owned\\x07")
    assert "\\x9b6n" in detail and "\\r\\n" in detail and "\\x00" in detail and "\\u202e" in detail


def test_human_output_shows_the_escape_sequences_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    out = _emitted(OutputFormat.human, capsys)
    assert "\\x1b[6n" in out and "\\x9b6n" in out and "\x1b" not in out


def test_junit_is_valid_xml_whatever_the_text(capsys: pytest.CaptureFixture[str]) -> None:
    root = ET.fromstring(_emitted(OutputFormat.junit, capsys))
    failure = root.find(".//failure")
    assert failure is not None and failure.text is not None
    assert "<!-- </table> <a href='http://evil.example/'>" in failure.text  # text, not markup
    assert [c.get("name", "").split(":")[0] for c in root.iter("testcase")] == [
        "auth-failed",
        "sslmode-missing",
    ]


def test_junit_renderer_itself_escapes_what_xml_forbids() -> None:
    section = Section(
        f"name {HOSTILE}", f"postgresql://h/{HOSTILE}", (SERVER,), (CheckResult("tls", Status.SKIP, HOSTILE),)
    )
    root = ET.fromstring(junit.render([section], HOSTILE))
    assert root.get("failures") == "1"


def _html(text: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


@pytest.mark.parametrize("source", ["emit", "renderer"])
def test_markdown_carries_no_html_a_server_wrote(source: str, capsys: pytest.CaptureFixture[str]) -> None:
    sections = [
        Section(
            HOSTILE,
            f"postgresql://h/{HOSTILE}`x``",
            (SERVER, AFTER),
            (CheckResult("auth", Status.FAIL, HOSTILE),),
        )
    ]
    text = _emitted(OutputFormat.markdown, capsys) if source == "emit" else markdown.render(sections, "t")
    html = _html(text)
    assert "<!--" not in html and "<a href" not in html and "<img" not in html
    assert html.count("<table>") == html.count("</table>") == (0 if source == "emit" else 1)
    assert "&lt;!--" in html and "sslmode-missing" in html  # shown as text; the next finding is there


def test_step_summary_is_the_escaped_markdown(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    summary = Path(str(tmp_path)) / "summary.md"
    github.write_step_summary(
        [Section("URL", None, (SERVER, AFTER))], "pgc", {"GITHUB_STEP_SUMMARY": str(summary)}
    )
    html = _html(summary.read_text(encoding="utf-8"))
    assert "<!--" not in html and "<a href" not in html and "<img" not in html and "sslmode-missing" in html


def _unescape(value: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(code, char)
    return value


def test_github_annotations_keep_one_line_per_finding_and_decode_to_the_shown_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = _emitted(OutputFormat.github, capsys).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::warning", "pgc"]
    command = re.fullmatch(r"::error title=(?P<title>[^:]*)::(?P<message>.*)", lines[0])
    assert command is not None  # the property holds no raw `:` or `,`; the message no raw newline
    assert _unescape(command["title"]) == "URL: auth-failed"
    assert _unescape(command["message"]) == (
        f"Login refused: {escape_controls(HOSTILE)}: server said: {escape_controls(HOSTILE)}"
        f"\nFix: {escape_controls(HOSTILE)}"
    )


def test_escaped_text_is_clean_and_escaping_is_idempotent_in_effect() -> None:
    shown = escape_controls(HOSTILE)
    assert is_clean(shown) and is_clean(escape_controls(shown))


def test_sanitize_reaches_strings_inside_nested_results() -> None:
    @dataclasses.dataclass(frozen=True)
    class Inner:
        text: str
        items: tuple[str, ...]

    @dataclasses.dataclass(frozen=True)
    class Outer:
        inner: Inner
        table: dict[str, list[str]]
        status: Status

    value = sanitize(Outer(Inner("\x1b[2J", ("\x9b",)), {"k\x07": ["\r"]}, Status.PASS))
    assert value == Outer(Inner("\\x1b[2J", ("\\x9b",)), {"k\\x07": ["\\r"]}, Status.PASS)
