"""JUnit XML (the Ant/Jenkins schema CI systems read) for any report made of sections.

Each section is a testsuite. Each finding is a testcase: an error finding fails it, warnings and
infos pass with the text in system-out (JUnit has no warning state). Each layer check is a
testcase too, skipped when the layer did not run; its failures are carried by the findings, so
every problem counts once.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from pgconnect_cli.findings import Finding, Severity
from pgconnect_cli.render.sanitize import escape_controls
from pgconnect_cli.report import CheckResult, Section, Status


def _x(text: str) -> str:
    """Text any XML 1.0 parser accepts: control characters (which XML forbids even as character
    references) shown escaped; ElementTree escapes `&`, `<`, `>` and quotes itself."""
    return escape_controls(text)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in name) or "section"


def _finding_case(suite: ET.Element, classname: str, f: Finding) -> tuple[int, int]:
    case = ET.SubElement(suite, "testcase", classname=classname, name=_x(f"{f.id}: {f.title}"), time="0")
    body = (_x(f.detail) + ("\nFix: " + _x(f.fix) if f.fix else "")).strip()
    if f.ignored:
        ET.SubElement(case, "skipped", message=f"ignored {f.severity.value}")
        return 0, 1
    if f.severity is Severity.ERROR:
        failure = ET.SubElement(case, "failure", message=_x(f.title), type=_x(f.id))
        failure.text = body
        return 1, 0
    out = ET.SubElement(case, "system-out")
    out.text = f"{f.severity.value}: {body}" if body else f.severity.value
    return 0, 0


def _check_case(suite: ET.Element, classname: str, c: CheckResult) -> tuple[int, int]:
    seconds = f"{(c.ms or 0.0) / 1000:.3f}"
    case = ET.SubElement(suite, "testcase", classname=f"{classname}.layers", name=c.layer, time=seconds)
    if c.status is Status.SKIP:
        ET.SubElement(case, "skipped", message=_x(c.summary))
        return 0, 1
    out = ET.SubElement(case, "system-out")
    out.text = f"{c.status.value}: {_x(c.summary)}"
    return 0, 0


def render(sections: Sequence[Section], title: str) -> str:
    root = ET.Element("testsuites", name=_x(title))
    totals = [0, 0, 0]  # tests, failures, skipped
    for section in sections:
        classname = f"pgc.{_slug(section.name)}"
        suite = ET.SubElement(root, "testsuite", name=_x(section.name))
        if section.url:
            props = ET.SubElement(suite, "properties")
            ET.SubElement(props, "property", name="url", value=_x(section.url))
        counts = [0, 0, 0]
        for c in section.checks:
            failed, skipped = _check_case(suite, classname, c)
            counts = [counts[0] + 1, counts[1] + failed, counts[2] + skipped]
        for f in section.findings:
            failed, skipped = _finding_case(suite, classname, f)
            counts = [counts[0] + 1, counts[1] + failed, counts[2] + skipped]
        if counts[0] == 0:
            ET.SubElement(suite, "testcase", classname=classname, name="no findings", time="0")
            counts[0] = 1
        suite.set("tests", str(counts[0]))
        suite.set("failures", str(counts[1]))
        suite.set("errors", "0")
        suite.set("skipped", str(counts[2]))
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    root.set("errors", "0")
    root.set("skipped", str(totals[2]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
