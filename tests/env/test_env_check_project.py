"""`pgc env check` with the project around the file: Prisma's config decides which URL migrations use."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pgconnect_cli.cli import app

runner = CliRunner()

LOCAL_POOLED = "postgresql://app:s3cret@localhost:6432/app?pgbouncer=true"
LOCAL_DIRECT = "postgresql://app:s3cret@localhost:5432/app"
SCHEMA6_WITHOUT_DIRECT_URL = (
    'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n'
)


def _prisma6(root: Path, schema: str) -> None:
    (root / "prisma").mkdir()
    (root / "prisma" / "schema.prisma").write_text(schema)
    (root / "package.json").write_text(json.dumps({"devDependencies": {"prisma": "^6.2.0"}}))


def _check_json(root: Path, text: str) -> tuple[int, dict[str, object]]:
    env = root / ".env"
    env.write_text(text)
    env.chmod(0o600)
    result = runner.invoke(app, ["env", "check", "--json"])
    return result.exit_code, json.loads(result.stdout)


def _ids(data: dict[str, object]) -> list[str]:
    findings = data["findings"]
    assert isinstance(findings, list)
    return [f["id"] for f in findings]


def test_check_reports_prisma_migrations_pooled_when_the_schema_has_no_direct_url(tmp_path: Path) -> None:
    _prisma6(tmp_path, SCHEMA6_WITHOUT_DIRECT_URL)
    code, data = _check_json(tmp_path, f'DATABASE_URL="{LOCAL_POOLED}"\nDIRECT_URL="{LOCAL_DIRECT}"\n')
    assert "prisma-migrations-pooled" in _ids(data)
    assert code == 1


def test_check_has_no_prisma_migrations_pooled_when_the_schema_reads_direct_url(tmp_path: Path) -> None:
    _prisma6(tmp_path, SCHEMA6_WITHOUT_DIRECT_URL.replace("}", '  directUrl = env("DIRECT_URL")\n}'))
    _, data = _check_json(tmp_path, f'DATABASE_URL="{LOCAL_POOLED}"\nDIRECT_URL="{LOCAL_DIRECT}"\n')
    assert "prisma-migrations-pooled" not in _ids(data)
