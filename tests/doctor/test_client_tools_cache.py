"""The client tools' versions (`client-tools-old`): asked side by side, remembered per binary.

Stand-in `pg_dump` and `psql` scripts on PATH record every run; the cache lives under the
test's own XDG_CACHE_HOME (tests/conftest.py isolates it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.probes import tool_versions, warmup
from pgconnect_cli.probes.tool_versions import Ask, ToolVersion
from tests.doctor.conftest import RunDoctor


def _tool(directory: Path, name: str, body: str) -> Path:
    tool = directory / name
    tool.write_text(f'#!/bin/sh\necho "$0" >> "{directory}/runs"\n{body}\n', encoding="utf-8")
    tool.chmod(0o755)
    return tool


@pytest.fixture
def bindir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pg_dump 15.4 and psql 15.4 stand-ins, first on PATH."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for name in tool_versions.TOOLS:
        _tool(directory, name, f'echo "{name} (PostgreSQL) 15.4"')
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ['PATH']}")
    return directory


def _runs(directory: Path) -> list[str]:
    runs = directory / "runs"
    return [Path(line).name for line in runs.read_text(encoding="utf-8").split()] if runs.exists() else []


def _ask() -> tuple[ToolVersion, ...]:
    answers = Ask().wait(30)
    assert answers is not None
    return answers


def test_tool_versions_are_asked_once_then_answered_from_the_cache(bindir: Path) -> None:
    first = _ask()
    second = _ask()
    expected = tuple(ToolVersion(name, str(bindir / name), "15.4") for name in tool_versions.TOOLS)
    assert first == second == expected
    assert sorted(_runs(bindir)) == ["pg_dump", "psql"]


def test_a_changed_tool_is_asked_again(bindir: Path) -> None:
    _ask()
    _tool(bindir, "pg_dump", 'echo "pg_dump (PostgreSQL) 17.2"')  # an upgrade: new size and mtime
    os.utime(bindir / "pg_dump", ns=(1, 1))
    answers = {t.name: t.version for t in _ask()}
    assert answers == {"pg_dump": "17.2", "psql": "15.4"}
    assert sorted(_runs(bindir)) == ["pg_dump", "pg_dump", "psql"]


def test_the_same_tool_found_elsewhere_on_path_is_asked_again(
    bindir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ask()
    other = tmp_path / "other"
    other.mkdir()
    for name in tool_versions.TOOLS:
        (other / name).write_bytes((bindir / name).read_bytes())
        (other / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{other}{os.pathsep}{os.environ['PATH']}")
    assert [t.path for t in _ask()] == [str(other / name) for name in tool_versions.TOOLS]
    assert len(_runs(bindir)) == 4


def test_an_answer_without_a_version_is_not_kept(bindir: Path) -> None:
    _tool(bindir, "psql", 'echo "command not found"')
    assert {t.name: t.version for t in _ask()} == {"pg_dump": "15.4", "psql": None}
    _ask()
    assert sorted(_runs(bindir)) == ["pg_dump", "psql", "psql"]


def test_both_tools_are_asked_at_once(bindir: Path) -> None:
    # each stand-in answers with a version only if the other one started before it finished
    for name, other in (("pg_dump", "psql"), ("psql", "pg_dump")):
        _tool(
            bindir,
            name,
            f'touch "{bindir}/{name}.started"\n'
            f'i=0; while [ ! -e "{bindir}/{other}.started" ] && [ $i -lt 100 ]; do\n'
            "sleep 0.05; i=$((i+1)); done\n"
            f'[ -e "{bindir}/{other}.started" ] && echo "{name} (PostgreSQL) 15.4"',
        )
    assert [t.version for t in _ask()] == ["15.4", "15.4"]


def test_the_cache_is_under_xdg_cache_home(
    bindir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    _ask()
    data = json.loads((tmp_path / "xdg" / "pgconnect" / "client-tools.json").read_text(encoding="utf-8"))
    assert sorted(entry["version"] for entry in data["entries"].values()) == ["15.4", "15.4"]


@pytest.mark.parametrize("xdg", [None, "relative/cache"])
def test_without_an_absolute_xdg_cache_home_the_cache_is_under_home(
    xdg: str | None, bindir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME")
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    _ask()
    assert (tmp_path / "home" / ".cache" / "pgconnect" / "client-tools.json").is_file()
    assert not Path("relative").exists()


def test_a_corrupt_cache_file_is_ignored_and_replaced(bindir: Path) -> None:
    file = Path(tool_versions.cache_file(os.environ))
    file.parent.mkdir(parents=True)
    file.write_text("{not json", encoding="utf-8")
    assert [t.version for t in _ask()] == ["15.4", "15.4"]
    assert json.loads(file.read_text(encoding="utf-8"))["format"] == tool_versions.CACHE_FORMAT


def test_a_scripts_answer_is_kept_for_an_hour_only(bindir: Path) -> None:
    _ask()
    file = Path(tool_versions.cache_file(os.environ))
    data = json.loads(file.read_text(encoding="utf-8"))
    for entry in data["entries"].values():
        assert entry["script"] is True  # the stand-ins are shell scripts, like Debian's pg_wrapper
        entry["at"] -= tool_versions.SCRIPT_MAX_AGE_S + 1
    file.write_text(json.dumps(data), encoding="utf-8")
    _ask()
    assert len(_runs(bindir)) == 4


def test_a_pg_wrapper_variable_is_part_of_a_scripts_key(
    bindir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ask()
    monkeypatch.setenv("PGCLUSTER", "15/main")  # pg_wrapper would pick that cluster's pg_dump
    _ask()
    assert len(_runs(bindir)) == 4


def test_a_tool_not_on_path_has_no_path_and_no_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert _ask() == tuple(ToolVersion(name, None, None) for name in tool_versions.TOOLS)


def test_the_command_asks_the_tools_early_and_the_run_takes_that_ask(bindir: Path) -> None:
    warmup.start()
    assert warmup.take_tools().wait(30) == tuple(
        ToolVersion(name, str(bindir / name), "15.4") for name in tool_versions.TOOLS
    )
    # taken once: the next run asks again (here: from the cache)
    assert warmup.take_tools().wait(30) is not None
    assert len(_runs(bindir)) == 2


def test_the_doctor_reports_the_tools_versions_and_asks_them_once_across_runs(
    bindir: Path, lab: pgc_lab.Lab, run_doctor: RunDoctor
) -> None:
    for _ in range(2):
        result = run_doctor("--verbose", "--url", f"DIRECT_URL={lab.direct_url}")
        assert result.exit_code == 0, result.stdout
        assert f"pg_dump: 15.4 ({bindir / 'pg_dump'})" in result.stdout
    assert sorted(_runs(bindir)) == ["pg_dump", "psql"]
