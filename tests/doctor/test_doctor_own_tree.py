"""The README tour run inside pgc's own checkout: pgc's pyproject.toml (psycopg among its
dependencies) is not taken as the app's, and the report's first line says why."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import cli

URL = "DATABASE_URL=postgresql://u:pw@localhost/db"
OWN = '[project]\nname = "pgconnect-cli"\ndependencies = ["psycopg[binary]>=3.2"]\n'


def test_pgcs_own_pyproject_is_not_taken_as_the_app(isolation: Path) -> None:
    (isolation / "pyproject.toml").write_text(OWN)
    head = cli("doctor", "--offline", "--url", URL).stdout.splitlines()[0]
    assert "client: unknown (pyproject.toml is pgc's own source tree, not an app; pass --client)" in head


def test_an_apps_pyproject_with_psycopg_is_detected(isolation: Path) -> None:
    (isolation / "pyproject.toml").write_text(OWN.replace("pgconnect-cli", "shop"))
    head = cli("doctor", "--offline", "--url", URL).stdout.splitlines()[0]
    assert "client: psycopg" in head


def test_the_repository_itself_is_recognised_as_pgcs_own() -> None:
    from pgconnect_cli.project import detect

    root = Path(__file__).resolve().parents[2]
    assert detect(root).clients == ()
    assert detect(root).note.startswith("pyproject.toml is pgc's own source tree")
