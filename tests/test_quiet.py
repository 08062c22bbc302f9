"""`--quiet`: human output with only the problems and the tally."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import cli

NO_SSL = "postgresql://u:pw@db.example.com/db"  # sslmode-missing (warning)
FINE = "postgresql://u:pw@localhost/db"


def test_url_check_quiet_prints_the_problem_and_the_tally_only() -> None:
    out = cli("url", "check", "--quiet", NO_SSL).stdout
    assert "sslmode-missing" in out
    assert out.startswith("[!] sslmode-missing")  # no URL line, no parts
    assert out.splitlines()[-1].startswith("0 errors, 1 warning")


def test_url_check_quiet_without_problems_is_the_tally_line() -> None:
    out = cli("url", "check", "-q", FINE).stdout
    assert out.splitlines() == ["[✓] no problems found; 0 errors, 0 warnings, 0 info (checked for: app)"]


def test_doctor_quiet_leaves_out_targets_without_problems(isolation: Path) -> None:
    out = cli(
        "doctor", "--offline", "--quiet", "--url", f"DIRECT_URL={FINE}", "--url", f"DATABASE_URL={NO_SSL}"
    ).stdout
    assert "DATABASE_URL" in out and "sslmode-missing" in out
    assert "DIRECT_URL" not in out
    assert not out.startswith("pgc doctor ·")
    assert "Doctor found" in out.splitlines()[-1]


def test_doctor_quiet_shows_no_passing_rows(isolation: Path) -> None:
    out = cli("doctor", "--offline", "--quiet", "--url", f"DATABASE_URL={NO_SSL}").stdout
    assert "[✓]" not in out and "[-]" not in out


def test_env_check_quiet_prints_only_the_problem_lines(isolation: Path) -> None:
    (isolation / ".env").write_text(f"DATABASE_URL={NO_SSL}\nDIRECT_URL={FINE}\n")
    (isolation / ".env").chmod(0o600)
    out = cli("env", "check", "--quiet").stdout
    assert "sslmode-missing" in out
    assert "keys" not in out and "DIRECT_URL" not in out
    assert out.splitlines()[-1].startswith("0 errors")
