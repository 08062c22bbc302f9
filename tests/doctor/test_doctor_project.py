"""`pgc doctor` on the project around the URLs: Prisma's config decides which URL migrations use."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pgconnect_cli import lab as pgc_lab
from tests.doctor.helpers import ids, one, rewrite

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]

SCHEMA6_WITHOUT_DIRECT_URL = (
    'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n'
)
SCHEMA6_WITH_DIRECT_URL = (
    'datasource db {\n  provider  = "postgresql"\n  url       = env("DATABASE_URL")\n'
    '  directUrl = env("DIRECT_URL")\n}\n'
)
CONFIG7_ON_DATABASE_URL = (
    "import 'dotenv/config'\nimport { defineConfig, env } from 'prisma/config'\n\n"
    "export default defineConfig({\n  schema: 'prisma/schema.prisma',\n"
    '  datasource: {\n    url: env("DATABASE_URL"),\n  },\n})\n'
)
NEON_POOLED = (
    "postgresql://app:pw@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require"
)
NEON_DIRECT = "postgresql://app:pw@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require"


def _prisma6(root: Path, schema: str) -> None:
    (root / "prisma").mkdir()
    (root / "prisma" / "schema.prisma").write_text(schema, encoding="utf-8")
    (root / "package.json").write_text(json.dumps({"devDependencies": {"prisma": "^6.19.0"}}))


def _prisma7(root: Path, config: str) -> None:
    (root / "prisma").mkdir()
    (root / "prisma" / "schema.prisma").write_text('datasource db {\n  provider = "postgresql"\n}\n')
    (root / "prisma.config.ts").write_text(config, encoding="utf-8")
    (root / "package.json").write_text(json.dumps({"devDependencies": {"prisma": "^7.0.0"}}))


def _dotenv(root: Path, **values: str) -> None:
    (root / ".env").write_text("".join(f'{k}="{v}"\n' for k, v in values.items()), encoding="utf-8")


def test_prisma6_schema_without_direct_url_is_prisma_migrations_pooled_live(
    lab: pgc_lab.Lab, doctor_json: DoctorJson, isolation: Path
) -> None:
    _prisma6(isolation, SCHEMA6_WITHOUT_DIRECT_URL)
    _dotenv(isolation, DATABASE_URL=rewrite(lab.pooled_url, pgbouncer="true"), DIRECT_URL=lab.direct_url)
    code, doc = doctor_json()
    assert code == 1
    found = one(doc, "prisma-migrations-pooled")
    assert found["severity"] == "error"
    assert "prisma/schema.prisma" in found["detail"] and "confirmed live" in found["detail"]
    assert 'directUrl = env("DIRECT_URL")' in found["fix"]


def test_prisma6_schema_without_direct_url_is_prisma_migrations_pooled_offline(
    lab: pgc_lab.Lab, doctor_json: DoctorJson, isolation: Path
) -> None:
    _prisma6(isolation, SCHEMA6_WITHOUT_DIRECT_URL)
    _dotenv(isolation, DATABASE_URL=rewrite(lab.pooled_url, pgbouncer="true"), DIRECT_URL=lab.direct_url)
    code, doc = doctor_json("--offline")
    assert code == 1
    assert one(doc, "prisma-migrations-pooled")["severity"] == "error"


def test_prisma6_schema_with_direct_url_is_not_prisma_migrations_pooled(
    doctor_json: DoctorJson, isolation: Path
) -> None:
    _prisma6(isolation, SCHEMA6_WITH_DIRECT_URL)
    _dotenv(isolation, DATABASE_URL=NEON_POOLED + "&pgbouncer=true", DIRECT_URL=NEON_DIRECT)
    _, doc = doctor_json("--offline")
    assert "prisma-migrations-pooled" not in ids(doc)


def test_prisma7_config_on_database_url_is_prisma_migrations_pooled(
    doctor_json: DoctorJson, isolation: Path
) -> None:
    _prisma7(isolation, CONFIG7_ON_DATABASE_URL)
    _dotenv(isolation, DATABASE_URL=NEON_POOLED, DIRECT_URL=NEON_DIRECT)
    code, doc = doctor_json("--offline")
    assert code == 1
    found = one(doc, "prisma-migrations-pooled")
    assert found["severity"] == "error"
    assert "prisma.config.ts" in found["detail"]
    assert "url: env('DIRECT_URL')" in found["fix"]


def test_prisma7_config_on_direct_url_is_not_prisma_migrations_pooled(
    doctor_json: DoctorJson, isolation: Path
) -> None:
    _prisma7(isolation, CONFIG7_ON_DATABASE_URL.replace('env("DATABASE_URL")', 'env("DIRECT_URL")'))
    _dotenv(isolation, DATABASE_URL=NEON_POOLED, DIRECT_URL=NEON_DIRECT)
    code, doc = doctor_json("--offline")
    assert "prisma-migrations-pooled" not in ids(doc)
    assert code == 0


def test_prisma6_schema_on_a_direct_database_url_is_not_prisma_migrations_pooled(
    doctor_json: DoctorJson, isolation: Path
) -> None:
    _prisma6(isolation, SCHEMA6_WITHOUT_DIRECT_URL)
    _dotenv(isolation, DATABASE_URL=NEON_DIRECT)
    _, doc = doctor_json("--offline")
    assert "prisma-migrations-pooled" not in ids(doc)
