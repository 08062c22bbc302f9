"""Helpers for the doctor's tests: run the command, rewrite lab URLs, make a project."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from pgconnect_cli.cli import app

RunDoctor = Callable[..., Result]


@pytest.fixture
def run_doctor() -> RunDoctor:
    """`run_doctor(*args)`: `pgc doctor ARGS` through typer's CliRunner (stdout and stderr apart)."""

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(app, ["doctor", *args], env=env, catch_exceptions=False)

    return run


@pytest.fixture
def doctor_json(run_doctor: RunDoctor) -> Callable[..., tuple[int, dict[str, Any]]]:
    """`doctor_json(*args) -> (exit code, the pgc.doctor/v1 document)`."""

    def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        result = run_doctor("--json", *args, env=env)
        assert result.exit_code in (0, 1), result.stderr
        return result.exit_code, json.loads(result.stdout)

    return run


@pytest.fixture
def prisma_project(isolation: Path) -> Path:
    """The current directory holds a Prisma project (prisma/schema.prisma)."""
    schema = isolation / "prisma" / "schema.prisma"
    schema.parent.mkdir()
    schema.write_text(
        'datasource db {\n  provider  = "postgresql"\n  url       = env("DATABASE_URL")\n'
        '  directUrl = env("DIRECT_URL")\n}\n',
        encoding="utf-8",
    )
    return isolation
