"""`pgc env init` and `pgc env check` through the command line (CliRunner, real files in tmp_path)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

from dotenv import dotenv_values
from typer.testing import CliRunner

from pgconnect_cli.cli import app

runner = CliRunner()

POOLED = "postgresql://app:s3cret@ep-cool-1-pooler.us-east-2.aws.neon.tech/app?sslmode=require"
DIRECT = "postgresql://app:s3cret@ep-cool-1.us-east-2.aws.neon.tech/app?sslmode=require"
LOCAL_POOLED = "postgresql://app:s3cret@localhost:6432/app?pgbouncer=true"
LOCAL_DIRECT = "postgresql://app:s3cret@localhost:5432/app"


def _init(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["env", "init", *args], input=input)


def _no_secret(result) -> None:  # type: ignore[no-untyped-def]
    assert "s3cret" not in result.stdout and "s3cret" not in result.stderr


# --- init: writing -----------------------------------------------------------------------------


def test_init_with_both_urls_writes_both_keys(tmp_path: Path) -> None:
    result = _init("--database-url", POOLED, "--direct-url", DIRECT)
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / ".env").read_text()
    assert f'DATABASE_URL="{POOLED}"' in text and f'DIRECT_URL="{DIRECT}"' in text


def test_init_never_prints_the_password(tmp_path: Path) -> None:
    result = _init("--database-url", POOLED, "--direct-url", DIRECT)
    _no_secret(result)
    assert "app:****@" in result.stdout


def test_init_creates_the_file_with_mode_0600(tmp_path: Path) -> None:
    _init("--database-url", POOLED, "--direct-url", DIRECT)
    assert stat.S_IMODE(os.stat(tmp_path / ".env").st_mode) == 0o600


def test_init_derives_the_direct_url_from_a_neon_pooled_url(tmp_path: Path) -> None:
    result = _init("--database-url", POOLED)
    assert result.exit_code == 0, result.stderr
    assert f'DIRECT_URL="{DIRECT}"' in (tmp_path / ".env").read_text()
    assert "derived" in result.stdout


def test_init_derives_the_pooled_url_from_a_neon_direct_url(tmp_path: Path) -> None:
    result = _init("--direct-url", DIRECT)
    assert result.exit_code == 0, result.stderr
    assert f'DATABASE_URL="{POOLED}"' in (tmp_path / ".env").read_text()


def test_init_reads_a_url_from_stdin(tmp_path: Path) -> None:
    result = _init("--database-url", "-", input=POOLED + "\n")
    assert result.exit_code == 0, result.stderr
    assert f'DATABASE_URL="{POOLED}"' in (tmp_path / ".env").read_text()


def test_init_keeps_an_encoded_password_as_it_is(tmp_path: Path) -> None:
    encoded = LOCAL_DIRECT.replace("s3cret", "p%40ss%3Aw%2Fd")
    result = _init("--database-url", LOCAL_POOLED, "--direct-url", encoded)
    assert result.exit_code == 0, result.stderr
    assert '"postgresql://app:p%40ss%3Aw%2Fd@localhost:5432/app"' in (tmp_path / ".env").read_text()


def test_init_writes_a_raw_password_percent_encoded_as_meant(tmp_path: Path) -> None:
    raw = "postgresql://app:p@ss/w0rd@localhost:5432/app"
    result = _init("--database-url", raw, "--direct-url", raw)
    assert result.exit_code == 0, result.stderr
    assert 'DIRECT_URL="postgresql://app:p%40ss%2Fw0rd@localhost:5432/app"' in (tmp_path / ".env").read_text()
    assert "written percent-encoded" in result.stdout
    assert "w0rd" not in result.stdout + result.stderr


def test_init_keeps_every_other_line_and_replaces_in_place_with_force(tmp_path: Path) -> None:
    old = "# mine\nexport A='x y'\nDATABASE_URL=postgresql://old@localhost/old\nB=\"multi\nline\"\n"
    (tmp_path / ".env").write_text(old)
    result = _init("--database-url", POOLED, "--direct-url", DIRECT, "--force")
    assert result.exit_code == 0, result.stderr
    new = (tmp_path / ".env").read_text()
    assert new.startswith(f'# mine\nexport A=\'x y\'\nDATABASE_URL="{POOLED}"\nB="multi\nline"\n')
    assert (tmp_path / ".env.bak").read_text() == old


def test_init_with_existing_keys_and_no_force_exits_1_naming_them(tmp_path: Path) -> None:
    old = f"DATABASE_URL={LOCAL_POOLED}\nDIRECT_URL={LOCAL_DIRECT}\n"
    (tmp_path / ".env").write_text(old)
    result = _init("--database-url", POOLED, "--direct-url", DIRECT)
    assert result.exit_code == 1
    assert "DATABASE_URL and DIRECT_URL" in result.stderr and "--force" in result.stderr
    assert (tmp_path / ".env").read_text() == old
    assert not (tmp_path / ".env.bak").exists()
    _no_secret(result)


def test_init_run_twice_reports_up_to_date(tmp_path: Path) -> None:
    _init("--database-url", POOLED, "--direct-url", DIRECT)
    before = (tmp_path / ".env").read_bytes()
    result = _init("--database-url", POOLED, "--direct-url", DIRECT)
    assert result.exit_code == 0
    assert "already up to date" in result.stdout
    assert (tmp_path / ".env").read_bytes() == before


def test_init_dry_run_shows_a_masked_diff_and_writes_nothing(tmp_path: Path) -> None:
    result = _init("--database-url", POOLED, "--direct-url", DIRECT, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert '+DATABASE_URL="postgresql://app:****@' in result.stdout
    assert not (tmp_path / ".env").exists()
    _no_secret(result)


def test_init_writes_to_the_file_given_with_file(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    result = _init("--database-url", POOLED, "--direct-url", DIRECT, "--file", "config/.env.local")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "config" / ".env.local").exists()


# --- init: refusing ----------------------------------------------------------------------------


def test_init_without_a_terminal_or_urls_exits_2_naming_the_flag(tmp_path: Path) -> None:
    result = _init()
    assert result.exit_code == 2
    assert "--database-url" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / ".env").exists()


def test_init_without_a_terminal_and_an_underivable_direct_url_exits_2_naming_the_flag(
    tmp_path: Path,
) -> None:
    result = _init("--database-url", LOCAL_POOLED)
    assert result.exit_code == 2
    assert "--direct-url" in result.stderr
    assert not (tmp_path / ".env").exists()


def test_init_refuses_a_placeholder_password_with_exit_1(tmp_path: Path) -> None:
    url = POOLED.replace("s3cret", "[YOUR-PASSWORD]")
    result = _init("--database-url", url, "--direct-url", DIRECT)
    assert result.exit_code == 1
    assert "placeholder-credentials" in result.stderr
    assert not (tmp_path / ".env").exists()


def test_init_refuses_an_unparseable_url_with_exit_1(tmp_path: Path) -> None:
    result = _init("--database-url", "postgresql://app:pw@[::1/db", "--direct-url", DIRECT)
    assert result.exit_code == 1
    assert "url-invalid" in result.stderr
    assert not (tmp_path / ".env").exists()


def test_init_refuses_swapped_urls(tmp_path: Path) -> None:
    result = _init("--database-url", DIRECT, "--direct-url", POOLED)
    assert result.exit_code == 1
    assert "urls-swapped" in result.stderr
    assert not (tmp_path / ".env").exists()


def test_init_refuses_a_symlinked_env_with_exit_2_and_the_hint(tmp_path: Path) -> None:
    (tmp_path / "real.env").write_text("A=1\n")
    (tmp_path / ".env").symlink_to("real.env")
    result = _init("--database-url", POOLED, "--direct-url", DIRECT)
    assert result.exit_code == 2
    assert "--follow-symlinks" in result.stderr
    assert (tmp_path / "real.env").read_text() == "A=1\n"


def test_init_follows_a_symlink_when_told(tmp_path: Path) -> None:
    (tmp_path / "real.env").write_text("A=1\n")
    (tmp_path / ".env").symlink_to("real.env")
    result = _init("--database-url", POOLED, "--direct-url", DIRECT, "--follow-symlinks")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / ".env").is_symlink()
    assert "DIRECT_URL" in (tmp_path / "real.env").read_text()


def test_init_refuses_a_file_with_lines_python_dotenv_cannot_parse(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A='unterminated\n")
    result = _init("--database-url", POOLED, "--direct-url", DIRECT)
    assert result.exit_code == 1
    assert "env-syntax" in result.stderr
    assert (tmp_path / ".env").read_text() == "A='unterminated\n"


def test_init_rejects_an_unknown_provider_with_exit_2() -> None:
    result = _init("--provider", "oracle", "--database-url", POOLED)
    assert result.exit_code == 2
    assert "--provider" in result.stderr


# --- init: git and the project -----------------------------------------------------------------


def test_init_inside_a_git_repository_adds_env_to_gitignore(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    result = _init("--database-url", POOLED, "--direct-url", DIRECT)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / ".gitignore").read_text() == ".env\n.env.bak\n.*.pgc-*.tmp\n"
    assert ".gitignore" in result.stdout


def test_init_through_a_symlink_keeps_link_target_and_backup_out_of_git(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "app.env").write_text("A=1\n")
    (tmp_path / ".env").symlink_to("secrets/app.env")
    result = _init("--database-url", POOLED, "--direct-url", DIRECT, "--follow-symlinks")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / ".gitignore").read_text() == ".env\n"
    assert (tmp_path / "secrets" / ".gitignore").read_text() == "app.env\napp.env.bak\n.*.pgc-*.tmp\n"


def test_init_outside_a_git_repository_writes_no_gitignore(tmp_path: Path) -> None:
    _init("--database-url", POOLED, "--direct-url", DIRECT)
    assert not (tmp_path / ".gitignore").exists()


def _prisma_project(root: Path, schema: str, version: str = "^6.2.0") -> None:
    (root / "prisma").mkdir()
    (root / "prisma" / "schema.prisma").write_text(schema)
    (root / "package.json").write_text(json.dumps({"devDependencies": {"prisma": version}}))


def test_init_prints_the_prisma6_snippet_when_direct_url_is_not_used(tmp_path: Path) -> None:
    schema = 'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n'
    _prisma_project(tmp_path, schema)
    result = _init("--database-url", POOLED.replace("?", "?pgbouncer=true&"), "--direct-url", DIRECT)
    assert result.exit_code == 0, result.stderr
    assert 'directUrl = env("DIRECT_URL")' in result.stdout
    assert (tmp_path / "prisma" / "schema.prisma").read_text() == schema


def test_init_adds_pgbouncer_true_to_a_derived_pooled_url_for_prisma6(tmp_path: Path) -> None:
    schema = (
        'datasource db {\n  provider = "postgresql"\n'
        '  url = env("DATABASE_URL")\n  directUrl = env("DIRECT_URL")\n}\n'
    )
    _prisma_project(tmp_path, schema)
    result = _init("--direct-url", DIRECT)
    assert result.exit_code == 0, result.stderr
    values = dotenv_values(tmp_path / ".env")
    assert "pgbouncer=true" in str(values["DATABASE_URL"])
    assert "pgbouncer" not in str(values["DIRECT_URL"])
    assert "already uses DIRECT_URL" in result.stdout


def test_init_prints_the_prisma7_config_snippet(tmp_path: Path) -> None:
    _prisma_project(tmp_path, 'datasource db {\n  provider = "postgresql"\n}\n', version="7.0.1")
    result = _init("--database-url", POOLED, "--direct-url", DIRECT)
    assert result.exit_code == 0, result.stderr
    assert "url: env('DIRECT_URL')" in result.stdout
    assert "import 'dotenv/config'" in result.stdout


# --- check -------------------------------------------------------------------------------------

CLEAN = f'DATABASE_URL="{LOCAL_POOLED.replace("?pgbouncer=true", "")}"\nDIRECT_URL="{LOCAL_DIRECT}"\n'


def _check(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["env", "check", *args])


def _write(path: Path, text: str, mode: int = 0o600) -> None:
    path.write_text(text)
    path.chmod(mode)


def test_check_a_clean_file_reports_nothing_and_exits_0(tmp_path: Path) -> None:
    _write(tmp_path / ".env", CLEAN)
    result = _check()
    assert result.exit_code == 0, result.stdout
    assert "no problems found" in result.stdout
    _no_secret(result)


def test_check_reports_each_hazard_with_its_id(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    text = f"A=1\r\nA=2\r\nB='broken\r\nDATABASE_URL={POOLED}&application_name=x y\r\nC=${{A}}\r\n"
    _write(tmp_path / ".env", text, 0o644)
    result = _check("--json")
    ids = {f["id"] for f in json.loads(result.stdout)["findings"]}
    assert ids >= {
        "env-syntax",
        "env-duplicate-key",
        "env-shell-unsafe",
        "env-interpolation",
        "env-crlf",
        "env-file-mode",
        "env-not-ignored",
    }
    assert result.exit_code == 1


def test_check_json_is_the_versioned_envelope(tmp_path: Path) -> None:
    _write(tmp_path / ".env", f'DATABASE_URL="{POOLED}"\nDIRECT_URL="{DIRECT}"\n')
    data = json.loads(_check("--json").stdout)
    assert list(data) == ["schema", "file", "ok", "summary", "findings", "urls"]
    assert data["schema"] == "pgc.env/v1" and data["ok"] is True
    assert data["summary"] == {"errors": 0, "warnings": 1, "infos": 0}
    assert [f["id"] for f in data["urls"][0]["findings"]] == ["pgbouncer-flag-missing"]
    assert [u["name"] for u in data["urls"]] == ["DATABASE_URL", "DIRECT_URL"]
    assert data["urls"][0]["url"].startswith("postgresql://app:****@")
    assert data["urls"][0]["endpoint"] == "pooled" and data["urls"][1]["endpoint"] == "direct"


def test_check_runs_the_url_and_pair_checks(tmp_path: Path) -> None:
    _write(tmp_path / ".env", f'DATABASE_URL="{DIRECT}"\nDIRECT_URL="{POOLED}"\n')
    data = json.loads(_check("--json").stdout)
    assert "urls-swapped" in {f["id"] for f in data["findings"]}


def test_check_warnings_fail_only_with_strict(tmp_path: Path) -> None:
    _write(tmp_path / ".env", CLEAN, 0o644)
    assert _check().exit_code == 0
    assert _check("--strict").exit_code == 1


def test_check_a_missing_file_exits_2_in_one_line(tmp_path: Path) -> None:
    result = _check("--file", "nope.env")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "nope.env" in result.stderr


def test_check_a_binary_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"\xff\xfe\x00garbage")
    result = _check()
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


def test_check_github_format_annotates_each_finding(tmp_path: Path) -> None:
    _write(tmp_path / ".env", "A=1\nA=2\n")
    result = _check("--format", "github")
    assert result.exit_code == 0
    assert result.stdout.startswith("::warning file=.env,line=1,title=.env%3A env-duplicate-key::")


def test_check_junit_format_is_xml_with_one_case_per_finding(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    _write(tmp_path / ".env", "A=1\nA=2\nB='broken\n")
    result = _check("--format", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    assert root.get("tests") == "2"


def test_check_markdown_format_names_the_ids(tmp_path: Path) -> None:
    _write(tmp_path / ".env", "A=1\nA=2\n")
    result = _check("--format", "markdown")
    assert "**env-duplicate-key**" in result.stdout


def test_end_to_end_init_from_stdin_then_check(tmp_path: Path) -> None:
    import sys

    def pgc(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pgconnect_cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
        )

    init = pgc("env", "init", "--database-url", "-", stdin=POOLED + "\n")
    assert init.returncode == 0, init.stderr
    assert "s3cret" not in init.stdout + init.stderr
    check = pgc("env", "check", "--json")
    assert check.returncode == 0, check.stderr
    assert [u["endpoint"] for u in json.loads(check.stdout)["urls"]] == ["pooled", "direct"]


def test_init_refused_for_existing_keys_does_not_claim_a_backup_was_kept(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DATABASE_URL={LOCAL_POOLED}\nDIRECT_URL={LOCAL_DIRECT}\n")
    result = _init("--database-url", POOLED, "--direct-url", DIRECT)
    assert result.exit_code == 1
    assert "nothing was written" in result.stderr
    assert "is kept as" not in result.stderr
    assert "with --force" in result.stderr and ".env.bak" in result.stderr
