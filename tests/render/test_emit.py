"""The output seam: one dispatch, one JSON envelope, one error document, one tally, one printer."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

from pgconnect_cli.findings import Finding, Severity
from pgconnect_cli.render import emit as emit_module
from pgconnect_cli.render.emit import OutputFormat, emit
from pgconnect_cli.render.findings import print_finding
from tests.helpers import cli, write_env

BAD = "postgresql://app:pw@db.example.com/app?sslmode=require&connectTimeout=5"
ENVELOPE = {"schema", "ok", "summary", "findings"}


def test_url_check_json_has_ok_and_summary_like_every_report() -> None:
    doc = json.loads(cli("url", "check", "--json", BAD).stdout)
    assert (doc["schema"], doc["ok"], doc["summary"]) == (
        "pgc.url/v1",
        False,
        {"errors": 1, "warnings": 0, "infos": 0},
    )


def test_url_check_json_ok_follows_strict() -> None:
    warned = "postgresql://app:pw@db.example.com/app"  # no sslmode: a warning
    assert json.loads(cli("url", "check", "--json", warned).stdout)["ok"] is True
    assert json.loads(cli("url", "check", "--json", "--strict", warned).stdout)["ok"] is False


@pytest.mark.parametrize(
    "args",
    [
        ("url", "check", "--json", BAD),
        ("doctor", "--json", "--offline", "--url", BAD),
        ("env", "check", "--json"),
        ("explain", "--json", "28P01"),
    ],
)
def test_every_json_output_has_schema_ok_summary_and_findings(args: tuple[str, ...], tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DATABASE_URL=BAD)
    doc = json.loads(cli(*args).stdout)
    assert ENVELOPE <= set(doc)
    assert doc["schema"].endswith("/v1")


def test_doctor_json_without_a_url_prints_the_error_document_on_stdout() -> None:
    result = cli("doctor", "--json", "--no-environment")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "schema": "pgc.error/v1",
        "ok": False,
        "errors": [
            {
                "code": "usage-error",
                "message": "no PostgreSQL URL found in the environment or ./.env: "
                "set DATABASE_URL, or pass --url or --env-file",
            }
        ],
    }
    assert result.stderr.startswith("pgc: error: no PostgreSQL URL found")


def test_a_usage_error_under_json_is_the_error_document_too() -> None:
    result = cli("url", "check", "--json", "--for", "nobody", BAD)
    assert result.exit_code == 2
    assert json.loads(result.stdout)["errors"][0]["code"] == "usage-error"


def test_a_usage_error_in_human_format_leaves_stdout_empty() -> None:
    result = cli("url", "check", "--for", "nobody", BAD)
    assert (result.exit_code, result.stdout) == (2, "")


def test_the_tally_reads_the_same_in_url_env_and_doctor(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DATABASE_URL=BAD).chmod(0o600)
    url = cli("url", "check", BAD).stdout.splitlines()[-1]
    env = cli("env", "check").stdout
    doctor = cli("doctor", "--offline", "--url", f"DATABASE_URL={BAD}").stdout.splitlines()[-1]
    assert url == "1 error, 0 warnings, 0 info (checked for: app)"
    assert env.splitlines()[-1] == "1 error, 0 warnings, 0 info"
    assert doctor.startswith("Doctor found 1 error, 0 warnings, 0 info in 1 target")


def _printed(f: Finding) -> str:
    out = StringIO()
    print_finding(Console(file=out, width=80, no_color=True, highlight=False, markup=False), f)
    return out.getvalue()


def test_an_info_finding_has_its_own_glyph_never_the_pass_mark() -> None:
    assert _printed(Finding("x-info", Severity.INFO, "Noted")) == "[i] x-info: Noted\n"


def test_the_finding_printer_indents_detail_and_fix_under_the_title() -> None:
    f = Finding("x", Severity.ERROR, "Broken", "because", "do this")
    assert _printed(f) == "[✗] x: Broken\n    because\n    fix: do this\n"


def test_emit_names_a_result_it_has_no_renderer_for() -> None:
    with pytest.raises(TypeError, match="no renderers for object"):
        emit(object(), OutputFormat.json)


def test_importing_the_seam_loads_neither_rich_nor_a_renderer() -> None:
    code = (
        "import sys\n"
        "import pgconnect_cli.render.emit\n"
        "import pgconnect_cli.cli._common\n"
        "rendering = [m for m in sys.modules if m.startswith('pgconnect_cli.render.')]\n"
        "heavy = [m for m in rendering if m != 'pgconnect_cli.render.emit']\n"
        "heavy += [m for m in sys.modules if m == 'rich']\n"
        "print(sorted(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_only_json_is_a_machine_format() -> None:
    assert [f.value for f in OutputFormat if f.machine] == ["json"]
    assert emit_module.ERROR_SCHEMA == "pgc.error/v1"
