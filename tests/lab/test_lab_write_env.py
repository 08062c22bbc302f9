"""`lab.write_env`: the small, safe .env writer behind `pgc lab env --write`."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import dotenv
import pytest

from pgconnect_cli import lab as pgc_lab

URLS = {
    "DATABASE_URL": "postgresql://pgc_app:pw@localhost:6001/pgc_app?sslmode=verify-full&sslrootcert=/x/ca.crt",
    "DIRECT_URL": "postgresql://pgc_app:pw@localhost:5001/pgc_app?sslmode=verify-full&sslrootcert=/x/ca.crt",
}


def test_new_file_is_private_and_holds_both_keys_double_quoted(tmp_path: Path) -> None:
    target = tmp_path / ".env"

    pgc_lab.write_env(target, URLS)

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() == "".join(f'{k}="{v}"\n' for k, v in URLS.items())
    assert dotenv.dotenv_values(target) == URLS


def test_existing_keys_are_replaced_in_place_and_other_bytes_kept(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    target.write_bytes(b"# top\r\nDIRECT_URL=old\r\nexport DATABASE_URL = 'older'\nKEEP=\"a b\"\nLAST=1")

    replaced = pgc_lab.write_env(target, URLS)

    assert replaced == ["DATABASE_URL", "DIRECT_URL"]
    assert target.read_bytes() == (
        b"# top\r\n"
        + f'DIRECT_URL="{URLS["DIRECT_URL"]}"\r\n'.encode()
        + f'export DATABASE_URL="{URLS["DATABASE_URL"]}"\n'.encode()
        + b'KEEP="a b"\nLAST=1'
    )


def test_missing_keys_are_appended_after_a_last_line_without_newline(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    target.write_bytes(b"OTHER=1")

    pgc_lab.write_env(target, URLS)

    assert dotenv.dotenv_values(target) == {"OTHER": "1", **URLS}


def test_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    target.write_text("A=1\n")
    os.chmod(target, 0o640)

    pgc_lab.write_env(target, URLS)

    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_symlink_is_refused_and_its_target_left_alone(tmp_path: Path) -> None:
    real = tmp_path / "real.env"
    real.write_text("A=1\n")
    link = tmp_path / ".env"
    link.symlink_to(real)

    with pytest.raises(pgc_lab.LabError, match="symbolic link"):
        pgc_lab.write_env(link, URLS)

    assert real.read_text() == "A=1\n"


def test_a_value_that_cannot_be_double_quoted_safely_is_refused(tmp_path: Path) -> None:
    with pytest.raises(pgc_lab.LabError, match="cannot write DIRECT_URL safely"):
        pgc_lab.write_env(tmp_path / ".env", {"DIRECT_URL": 'postgresql://u:p"$x@h/db'})

    assert not (tmp_path / ".env").exists()


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    pgc_lab.write_env(tmp_path / ".env", URLS)

    assert [p.name for p in tmp_path.iterdir()] == [".env"]
