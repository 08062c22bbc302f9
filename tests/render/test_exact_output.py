# ruff: noqa: E501  (exact output: lines as long as the renderers make them)
"""Exact output of each renderer's canonical case (NO_COLOR, 100 columns: tests/conftest.py).

One URL with an error (an unknown parameter) and a warning (no sslmode), checked by `pgc url
check` and by `pgc doctor --offline`, in every format. A change of wording shows up here whole.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers import cli

URL = "postgresql://app:pw@db.example.com/app?connectTimeout=5"

URL_HUMAN = """\
postgresql://app:****@db.example.com/app?connectTimeout=5
scheme          postgresql
user            app
password        **** (set)
host            db.example.com:5432
database        app
connectTimeout  5
provider        PostgreSQL: unknown — no known provider host, no PgBouncer port, no pgbouncer=true

[✗] param-unknown: A query parameter is unknown to libpq and to Prisma
    connectTimeout: the spelling libpq and Prisma use is connect_timeout
    fix: Write connect_timeout instead of connectTimeout (`pgc url fix`).
[!] sslmode-missing: No sslmode toward a remote host
    no sslmode toward db.example.com: libpq and Prisma default to prefer, which falls back to
    plaintext.
    fix: Add sslmode=require (or verify-full with a CA) to the URL.

1 error, 1 warning, 0 info (checked for: app)
"""

URL_GITHUB = """\
::error title=URL%3A param-unknown::A query parameter is unknown to libpq and to Prisma: connectTimeout: the spelling libpq and Prisma use is connect_timeout%0AFix: Write connect_timeout instead of connectTimeout (`pgc url fix`).
::warning title=URL%3A sslmode-missing::No sslmode toward a remote host: no sslmode toward db.example.com: libpq and Prisma default to prefer, which falls back to plaintext.%0AFix: Add sslmode=require (or verify-full with a CA) to the URL.
pgc url check: 1 error, 1 warning, 0 info
"""

URL_JUNIT = """\
<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pgc url check" tests="2" failures="1" errors="0" skipped="0">
  <testsuite name="URL" tests="2" failures="1" errors="0" skipped="0">
    <properties>
      <property name="url" value="postgresql://app:****@db.example.com/app?connectTimeout=5" />
    </properties>
    <testcase classname="pgc.URL" name="param-unknown: A query parameter is unknown to libpq and to Prisma" time="0">
      <failure message="A query parameter is unknown to libpq and to Prisma" type="param-unknown">connectTimeout: the spelling libpq and Prisma use is connect_timeout
Fix: Write connect_timeout instead of connectTimeout (`pgc url fix`).</failure>
    </testcase>
    <testcase classname="pgc.URL" name="sslmode-missing: No sslmode toward a remote host" time="0">
      <system-out>warning: no sslmode toward db.example.com: libpq and Prisma default to prefer, which falls back to plaintext.
Fix: Add sslmode=require (or verify-full with a CA) to the URL.</system-out>
    </testcase>
  </testsuite>
</testsuites>
"""

URL_MARKDOWN = """\
### ✗ pgc url check: 1 error, 1 warning, 0 info

#### URL
`postgresql://app:****@db.example.com/app?connectTimeout=5`

- ✗ **param-unknown** (error): A query parameter is unknown to libpq and to Prisma
  <br>connectTimeout: the spelling libpq and Prisma use is connect_timeout
  <br>Fix: Write connect_timeout instead of connectTimeout (`pgc url fix`).
- ! **sslmode-missing** (warning): No sslmode toward a remote host
  <br>no sslmode toward db.example.com: libpq and Prisma default to prefer, which falls back to plaintext.
  <br>Fix: Add sslmode=require (or verify-full with a CA) to the URL.
"""

DOCTOR_HUMAN = """\
pgc doctor · client: unknown · static checks only (--offline)

DATABASE_URL  (--url)
  postgresql://app:****@db.example.com/app?connectTimeout=5
  [✗] url       generic, unknown endpoint by name; expected pooled; 1 error, 1 warning, 0 info
      [✗] param-unknown: A query parameter is unknown to libpq and to Prisma
          connectTimeout: the spelling libpq and Prisma use is connect_timeout
          fix: Write connect_timeout instead of connectTimeout (`pgc url fix`).
      [!] sslmode-missing: No sslmode toward a remote host
          no sslmode toward db.example.com: libpq and Prisma default to prefer, which falls back to
          plaintext.
          fix: Add sslmode=require (or verify-full with a CA) to the URL.
  [-] live      skipped: --offline (static checks only)

Doctor found 1 error, 1 warning, 0 info in 1 target, 8 checks, 0.0 s.
"""

DOCTOR_MARKDOWN = """\
### ✗ pgc doctor: 1 error, 1 warning, 0 info

#### DATABASE_URL
`postgresql://app:****@db.example.com/app?connectTimeout=5`

| | Layer | Result |
|---|---|---|
| ✗ | url | generic, unknown endpoint by name; expected pooled |
| - | dns | skipped: --offline (static checks only) |
| - | tcp | skipped: --offline (static checks only) |
| - | tls | skipped: --offline (static checks only) |
| - | auth | skipped: --offline (static checks only) |
| - | server | skipped: --offline (static checks only) |
| - | pooler | skipped: --offline (static checks only) |
| - | prepared | skipped: --offline (static checks only) |
| - | latency | skipped: --offline (static checks only) |

- ✗ **param-unknown** (error): A query parameter is unknown to libpq and to Prisma
  <br>connectTimeout: the spelling libpq and Prisma use is connect_timeout
  <br>Fix: Write connect_timeout instead of connectTimeout (`pgc url fix`).
- ! **sslmode-missing** (warning): No sslmode toward a remote host
  <br>no sslmode toward db.example.com: libpq and Prisma default to prefer, which falls back to plaintext.
  <br>Fix: Add sslmode=require (or verify-full with a CA) to the URL.
"""

DOCTOR_JUNIT = """\
<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pgc doctor" tests="11" failures="1" errors="0" skipped="8">
  <testsuite name="DATABASE_URL" tests="11" failures="1" errors="0" skipped="8">
    <properties>
      <property name="url" value="postgresql://app:****@db.example.com/app?connectTimeout=5" />
    </properties>
    <testcase classname="pgc.DATABASE_URL.layers" name="url" time="0.000">
      <system-out>fail: generic, unknown endpoint by name; expected pooled</system-out>
    </testcase>
    <testcase classname="pgc.DATABASE_URL.layers" name="dns" time="0.000">
      <skipped message="skipped: --offline (static checks only)" />
    </testcase>
    <testcase classname="pgc.DATABASE_URL.layers" name="tcp" time="0.000">
      <skipped message="skipped: --offline (static checks only)" />
    </testcase>
    <testcase classname="pgc.DATABASE_URL.layers" name="tls" time="0.000">
      <skipped message="skipped: --offline (static checks only)" />
    </testcase>
    <testcase classname="pgc.DATABASE_URL.layers" name="auth" time="0.000">
      <skipped message="skipped: --offline (static checks only)" />
    </testcase>
    <testcase classname="pgc.DATABASE_URL.layers" name="server" time="0.000">
      <skipped message="skipped: --offline (static checks only)" />
    </testcase>
    <testcase classname="pgc.DATABASE_URL.layers" name="pooler" time="0.000">
      <skipped message="skipped: --offline (static checks only)" />
    </testcase>
    <testcase classname="pgc.DATABASE_URL.layers" name="prepared" time="0.000">
      <skipped message="skipped: --offline (static checks only)" />
    </testcase>
    <testcase classname="pgc.DATABASE_URL.layers" name="latency" time="0.000">
      <skipped message="skipped: --offline (static checks only)" />
    </testcase>
    <testcase classname="pgc.DATABASE_URL" name="param-unknown: A query parameter is unknown to libpq and to Prisma" time="0">
      <failure message="A query parameter is unknown to libpq and to Prisma" type="param-unknown">connectTimeout: the spelling libpq and Prisma use is connect_timeout
Fix: Write connect_timeout instead of connectTimeout (`pgc url fix`).</failure>
    </testcase>
    <testcase classname="pgc.DATABASE_URL" name="sslmode-missing: No sslmode toward a remote host" time="0">
      <system-out>warning: no sslmode toward db.example.com: libpq and Prisma default to prefer, which falls back to plaintext.
Fix: Add sslmode=require (or verify-full with a CA) to the URL.</system-out>
    </testcase>
  </testsuite>
</testsuites>
"""


def _seconds(text: str) -> str:
    return re.sub(r"\d+\.\d s\.", "0.0 s.", text)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(("url", "check", "--format", "human", URL), URL_HUMAN, id="url_human"),
        pytest.param(("url", "check", "--format", "github", URL), URL_GITHUB, id="url_github"),
        pytest.param(("url", "check", "--format", "junit", URL), URL_JUNIT, id="url_junit"),
        pytest.param(("url", "check", "--format", "markdown", URL), URL_MARKDOWN, id="url_markdown"),
        pytest.param(
            ("doctor", "--offline", "--url", f"DATABASE_URL={URL}"), DOCTOR_HUMAN, id="doctor_human"
        ),
        pytest.param(
            ("doctor", "--offline", "--url", f"DATABASE_URL={URL}", "--format", "markdown"),
            DOCTOR_MARKDOWN,
            id="doctor_markdown",
        ),
        pytest.param(
            ("doctor", "--offline", "--url", f"DATABASE_URL={URL}", "--format", "junit"),
            DOCTOR_JUNIT,
            id="doctor_junit",
        ),
    ],
)
def test_canonical_output(args: tuple[str, ...], expected: str) -> None:
    result = cli(*args)
    assert result.exit_code == 1
    assert _seconds(result.stdout) == expected


def test_canonical_url_json() -> None:
    doc = json.loads(cli("url", "check", "--json", URL).stdout)
    assert [f["id"] for f in doc["findings"]] == ["param-unknown", "sslmode-missing"]
    assert {k: doc[k] for k in ("schema", "url", "ok", "summary", "provider", "endpoint")} == {
        "schema": "pgc.url/v1",
        "url": "postgresql://app:****@db.example.com/app?connectTimeout=5",
        "ok": False,
        "summary": {"errors": 1, "warnings": 1, "infos": 0},
        "provider": "generic",
        "endpoint": "unknown",
    }


def test_canonical_doctor_json() -> None:
    doc = json.loads(cli("doctor", "--json", "--offline", "--url", f"DATABASE_URL={URL}").stdout)
    assert list(doc)[:3] == ["schema", "ok", "summary"]
    assert (doc["ok"], doc["summary"]) == (False, {"errors": 1, "warnings": 1, "infos": 0})
    assert [f["id"] for f in doc["targets"][0]["findings"]] == ["param-unknown", "sslmode-missing"]
