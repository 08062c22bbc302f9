"""Real psql against the lab: a Prisma-style URL fails as is and works once converted.

The URL goes to psql as an argument here because what is under test is URL acceptance; pgc
itself reads it from stdin.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys

import psycopg.conninfo
import pytest

from tests.conftest import MakeRole

pytestmark = pytest.mark.live

ROLE = "pgc_url_reserved"
PASSWORD = "p@ss:w/rd?#[1]%&=+ !$'\"\\é"
SCHEMA = "billing"
QUERY = "select current_user || '|' || current_setting('search_path')"
PSQL = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"


def _prisma_url(make_role: MakeRole) -> str:
    role = make_role(ROLE, PASSWORD)
    return role.url() + f"&schema={SCHEMA}&pgbouncer=true&connection_limit=5"


def _pgc(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pgconnect_cli", "url", *args],
        input=url + "\n",
        capture_output=True,
        text=True,
        check=False,
    )


def _psql(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PSQL, *args, "-XAtc", QUERY],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_psql_rejects_the_prisma_style_url(make_role: MakeRole) -> None:
    result = _psql(_prisma_url(make_role))
    assert result.returncode == 2
    assert 'invalid URI query parameter: "schema"' in result.stderr


def test_psql_connects_with_the_uri_conversion(make_role: MakeRole) -> None:
    converted = _pgc("convert", "-", "--to", "uri", url=_prisma_url(make_role))
    assert converted.returncode == 0, converted.stderr
    result = _psql(converted.stdout.strip())
    assert (result.returncode, result.stdout.strip()) == (0, f"{ROLE}|{SCHEMA}"), result.stderr


def test_psql_connects_with_the_keyvalue_conversion(make_role: MakeRole) -> None:
    converted = _pgc("convert", "-", "--to", "keyvalue", url=_prisma_url(make_role))
    assert converted.returncode == 0, converted.stderr
    result = _psql(converted.stdout.strip())
    assert (result.returncode, result.stdout.strip()) == (0, f"{ROLE}|{SCHEMA}"), result.stderr


def test_psql_connects_with_the_env_conversion_and_no_url_at_all(make_role: MakeRole) -> None:
    converted = _pgc("convert", "-", "--to", "env", url=_prisma_url(make_role))
    assert converted.returncode == 0, converted.stderr
    env = dict(shlex.split(line)[0].split("=", 1) for line in converted.stdout.splitlines())
    result = _psql(env=env)
    assert (result.returncode, result.stdout.strip()) == (0, f"{ROLE}|{SCHEMA}"), result.stderr


def test_url_fix_makes_an_unencoded_password_work_with_psql(make_role: MakeRole) -> None:
    role = make_role(ROLE, "p@ss/w:rd")
    raw = role.url().replace("p%40ss%2Fw%3Ard", "p@ss/w:rd")
    # libpq splits at the first @: password "p", host "ss" (checked offline: running psql on it
    # would look "ss" up in the system's DNS)
    misread = psycopg.conninfo.conninfo_to_dict(raw)
    assert (misread["password"], misread["host"]) == ("p", "ss")
    fixed = _pgc("fix", "-", url=raw)
    assert fixed.returncode == 0, fixed.stderr
    result = _psql(fixed.stdout.strip())
    assert result.returncode == 0, result.stderr


def test_url_check_never_prints_the_password(make_role: MakeRole) -> None:
    url = _prisma_url(make_role)
    for fmt in ("human", "json", "github", "junit", "markdown"):
        result = _pgc("check", "-", "--format", fmt, url=url)
        assert result.returncode in (0, 1)
        assert PASSWORD not in result.stdout + result.stderr
        assert "p@ss:w/rd" not in result.stdout + result.stderr
