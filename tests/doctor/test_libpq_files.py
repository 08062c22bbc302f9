"""The URL as the app's libpq reads it: service files, PG* variables, the password file (issue 11)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.conninfo import parse
from tests.doctor.helpers import check, ids, one

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]


def _service_file(path: Path, name: str, lab: pgc_lab.Lab, *, password: bool = True) -> Path:
    ci = parse(lab.direct_url)
    lines = [
        f"[{name}]",
        "host=localhost",
        f"port={lab.postgres.port}",
        "dbname=pgc_app",
        f"user={ci.user}",
        "sslmode=verify-full",
        f"sslrootcert={ci.get('sslrootcert')}",
    ]
    if password:
        lines.append(f"password={ci.password}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_service_url_is_probed_with_the_service_files_settings(
    lab: pgc_lab.Lab, doctor_json: DoctorJson, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGSERVICEFILE", str(_service_file(tmp_path / "services.conf", "pgc_svc", lab)))
    code, doc = doctor_json("--url", "DATABASE_URL=postgresql:///?service=pgc_svc")
    assert check(doc, "DATABASE_URL", "auth")["status"] == "pass"
    found = one(doc, "libpq-defaults-applied")
    assert found["severity"] == "info"
    assert f"host=localhost from service pgc_svc in {tmp_path / 'services.conf'}" in found["detail"]
    assert "password=****" in found["detail"]
    assert code == 0


def test_service_no_file_defines_is_service_not_found(
    doctor_json: DoctorJson, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGSERVICEFILE", str(tmp_path / "none.conf"))
    monkeypatch.setenv("PGSYSCONFDIR", str(tmp_path))
    code, doc = doctor_json("--url", "DATABASE_URL=postgresql:///?service=pgc_nowhere")
    assert code == 1
    found = one(doc, "service-not-found")
    assert found["severity"] == "error"
    assert "[pgc_nowhere]" in found["fix"]
    assert check(doc, "DATABASE_URL", "dns")["status"] == "skip"


def test_pg_environment_variables_complete_the_url_and_are_named(
    lab: pgc_lab.Lab, doctor_json: DoctorJson, monkeypatch: pytest.MonkeyPatch
) -> None:
    ci = parse(lab.direct_url)
    monkeypatch.setenv("PGHOST", "localhost")
    monkeypatch.setenv("PGPORT", str(lab.postgres.port))
    monkeypatch.setenv("PGPASSWORD", ci.password or "")
    url = f"postgresql://{ci.user}@/pgc_app?sslmode=verify-full&sslrootcert={ci.get('sslrootcert')}"
    code, doc = doctor_json("--url", f"DATABASE_URL={url}")
    assert check(doc, "DATABASE_URL", "auth")["status"] == "pass"
    detail = one(doc, "libpq-defaults-applied")["detail"]
    assert "host=localhost from PGHOST" in detail
    assert f"port={lab.postgres.port} from PGPORT" in detail
    assert "password=**** from PGPASSWORD" in detail
    assert ci.password not in str(doc)
    assert code == 0


def test_a_url_that_sets_everything_has_no_libpq_defaults_finding(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json("--url", f"DATABASE_URL={lab.direct_url}")
    assert "libpq-defaults-applied" not in ids(doc)


def _passfile(path: Path, lab: pgc_lab.Lab, mode: int) -> Path:
    ci = parse(lab.direct_url)
    path.write_text(f"localhost:{lab.postgres.port}:pgc_app:{ci.user}:{ci.password}\n", encoding="utf-8")
    path.chmod(mode)
    return path


def _no_password_url(lab: pgc_lab.Lab) -> str:
    ci = parse(lab.direct_url)
    return f"postgresql://{ci.user}@localhost:{lab.postgres.port}/pgc_app?sslmode=verify-full&sslrootcert={ci.get('sslrootcert')}"


def test_world_readable_pgpass_is_ignored_by_libpq_and_named_with_chmod_600(
    lab: pgc_lab.Lab, doctor_json: DoctorJson, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    passfile = _passfile(tmp_path / "pgpass", lab, 0o644)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    code, doc = doctor_json("--url", f"DATABASE_URL={_no_password_url(lab)}")
    assert code == 1
    found = one(doc, "passfile-ignored")
    assert found["severity"] == "error"
    assert "mode 644" in found["detail"]
    assert found["fix"] == f"chmod 600 {passfile}"


def test_private_pgpass_supplies_the_password(
    lab: pgc_lab.Lab, doctor_json: DoctorJson, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSFILE", str(_passfile(tmp_path / "pgpass", lab, 0o600)))
    code, doc = doctor_json("--url", f"DATABASE_URL={_no_password_url(lab)}")
    assert check(doc, "DATABASE_URL", "auth")["status"] == "pass"
    assert "passfile-ignored" not in ids(doc)
    assert code == 0
