"""The repository's papers: LICENSE, install instructions, CI recipes and links that hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PROSE = [
    *DOCS,
    ROOT / "Makefile",
    *sorted((ROOT / "scripts").glob("*.py")),
    *sorted((ROOT / "pgconnect_cli").rglob("*.py")),
]
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
ACTION_INPUTS = set(yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["inputs"])


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_license_file_is_the_mit_license_pyproject_declares() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert re.search(r'^license = "MIT"$', PYPROJECT, re.M)
    assert text.startswith("MIT License\n")
    assert re.search(r"^Copyright \(c\) \d{4} pgconnect contributors$", text, re.M)
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


@pytest.mark.parametrize("path", PROSE, ids=_rel)
def test_docs_say_the_thing_instead_of_citing_a_spec_outside_the_repository(path: Path) -> None:
    assert "PRODUCT.md" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", DOCS, ids=_rel)
def test_docs_never_install_a_package_that_is_not_published(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\bpipx? install (-\S+ )*(pgconnect|pgconnect-cli)\b(?![./-])", text)


def test_readme_says_how_to_install_from_a_checkout_or_a_wheel() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pipx install ." in text
    assert "pgconnect_cli-*.whl" in text


def _action_uses(path: Path) -> list[dict[str, object]]:
    blocks = re.findall(r"```yaml\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
    steps: list[dict[str, object]] = []
    for block in blocks:
        doc = yaml.safe_load(block)
        stack = [doc]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if str(node.get("uses", "")).startswith("OWNER/pgconnect@"):
                    steps.append(node)
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return steps


@pytest.mark.parametrize("name", ["README.md", "docs/ci.md"])
def test_ci_recipes_use_the_action_with_inputs_it_declares(name: str) -> None:
    steps = _action_uses(ROOT / name)
    assert steps, f"{name} has no step using the action"
    for step in steps:
        assert set(step.get("with") or {}) <= ACTION_INPUTS  # type: ignore[arg-type]


@pytest.mark.parametrize("path", DOCS, ids=_rel)
def test_relative_links_point_at_files_that_exist(path: Path) -> None:
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8"))
    local = [link for link in links if not re.match(r"[a-z]+:", link)]
    assert [link for link in local if not (path.parent / link).exists()] == []
