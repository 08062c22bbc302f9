"""`pgc exec` planning: which URL, which tool, which environment. Pure: no server, no process."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pgconnect_cli import exec as pgc_exec
from pgconnect_cli.conninfo import parse
from pgconnect_cli.errors import UsageError
from pgconnect_cli.findings import Severity
from pgconnect_cli.targets import Source, Target

SECRET = "s3cr3t-Pw"
DIRECT = f"postgresql://app:{SECRET}@127.0.0.1:5432/app?sslmode=require"
POOLED = f"postgresql://app:{SECRET}@127.0.0.1:6432/app?sslmode=require&pgbouncer=true"
NEON_POOLED = (
    f"postgresql://app:{SECRET}@ep-cool-tree-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require"
)
NEON_DIRECT_HOST = "ep-cool-tree-123456.us-east-2.aws.neon.tech"


def env_targets(**values: str) -> list[Target]:
    return [Target(name, value, Source.DOTENV, ".env", 1) for name, value in values.items()]


def env_of(plan: pgc_exec.ExecPlan) -> dict[str, str]:
    return {v.name: v.value for v in plan.env}


def texts(plan: pgc_exec.ExecPlan) -> str:
    return "\n".join(n.text for n in plan.notes)


# --------------------------------------------------------------------------- choosing the URL


def test_direct_url_wins_over_database_url() -> None:
    choice = pgc_exec.choose_url(env_targets(DATABASE_URL=POOLED, DIRECT_URL=DIRECT))
    assert choice.source == "DIRECT_URL"
    assert choice.ci.port == 5432


@pytest.mark.parametrize("name", ["DIRECT_DATABASE_URL", "DATABASE_URL_UNPOOLED", "POSTGRES_URL_NON_POOLING"])
def test_other_direct_variable_names_are_used_too(name: str) -> None:
    choice = pgc_exec.choose_url(env_targets(DATABASE_URL=POOLED, **{name: DIRECT}))
    assert choice.source == name


def test_direct_url_is_derived_from_a_pooled_database_url() -> None:
    choice = pgc_exec.choose_url(env_targets(DATABASE_URL=NEON_POOLED))
    assert choice.ci.host == NEON_DIRECT_HOST
    assert "derived from DATABASE_URL" in choice.notes[0].text


def test_database_url_that_is_itself_direct_is_used() -> None:
    url = f"postgresql://app:{SECRET}@db.prisma.io:5432/postgres?sslmode=require"
    choice = pgc_exec.choose_url(env_targets(DATABASE_URL=url))
    assert choice.ci.host == "db.prisma.io"
    assert not choice.pooled


def test_database_url_without_a_pooler_signal_counts_as_direct_and_says_so() -> None:
    choice = pgc_exec.choose_url(env_targets(DATABASE_URL=DIRECT))
    assert choice.source == "DATABASE_URL"
    assert "nothing marks it as pooled" in choice.notes[0].text


def test_pooled_database_url_that_cannot_be_derived_is_refused_naming_direct_url() -> None:
    with pytest.raises(UsageError) as err:
        pgc_exec.choose_url(env_targets(DATABASE_URL=POOLED))
    assert err.value.exit_code == 2
    assert "DIRECT_URL" in err.value.message
    assert SECRET not in err.value.message


def test_allow_pooled_uses_the_pooled_url_with_a_warning() -> None:
    choice = pgc_exec.choose_url(env_targets(DATABASE_URL=POOLED), allow_pooled=True)
    assert choice.pooled
    assert choice.notes[0].severity is Severity.WARNING


def test_url_flag_is_used_as_given() -> None:
    choice = pgc_exec.choose_url(env_targets(DIRECT_URL=POOLED), url=DIRECT)
    assert choice.source == "--url"
    assert choice.text == DIRECT


def test_no_url_anywhere_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="DIRECT_URL"):
        pgc_exec.choose_url([])


def test_unparsable_direct_url_names_the_variable_without_the_password() -> None:
    with pytest.raises(UsageError) as err:
        pgc_exec.choose_url(env_targets(DIRECT_URL=f"postgresql://app:{SECRET}%zz@h/db"))
    assert "DIRECT_URL" in err.value.message
    assert SECRET not in err.value.message


def test_prisma_accelerate_url_is_refused() -> None:
    with pytest.raises(UsageError, match="Accelerate"):
        pgc_exec.choose_url(
            env_targets(DATABASE_URL="prisma+postgres://accelerate.prisma-data.net/?api_key=x")
        )


def test_direct_url_that_looks_pooled_is_used_with_a_warning() -> None:
    choice = pgc_exec.choose_url(env_targets(DIRECT_URL=POOLED))
    assert choice.source == "DIRECT_URL"
    assert any(n.severity is Severity.WARNING and "looks pooled" in n.text for n in choice.notes)


def test_schema_of_database_url_is_carried_to_a_direct_url_without_one() -> None:
    choice = pgc_exec.choose_url(env_targets(DATABASE_URL=POOLED + "&schema=app", DIRECT_URL=DIRECT))
    assert choice.ci.get("schema") == "app"
    assert any(n.severity is Severity.WARNING and "schema=app" in n.text for n in choice.notes)


def test_schema_is_not_carried_to_a_direct_url_of_another_database() -> None:
    other = DIRECT.replace("/app?", "/other?")
    choice = pgc_exec.choose_url(env_targets(DATABASE_URL=POOLED + "&schema=app", DIRECT_URL=other))
    assert choice.ci.get("schema") is None


# --------------------------------------------------------------------------- the tool


@pytest.mark.parametrize(
    ("argv", "tool", "kind"),
    [
        (["psql", "-c", "select 1"], "psql", pgc_exec.ToolKind.LIBPQ),
        (["/usr/lib/postgresql/15/bin/pg_dump"], "pg_dump", pgc_exec.ToolKind.LIBPQ),
        (["npx", "prisma", "migrate", "deploy"], "prisma", pgc_exec.ToolKind.OTHER),
        (["npx", "--yes", "prisma@6", "migrate", "deploy"], "prisma", pgc_exec.ToolKind.OTHER),
        (["pnpm", "prisma", "migrate", "deploy"], "prisma", pgc_exec.ToolKind.OTHER),
        (["npx", "drizzle-kit@latest", "migrate"], "drizzle-kit", pgc_exec.ToolKind.DRIVER),
        (["uv", "run", "alembic", "upgrade", "head"], "alembic", pgc_exec.ToolKind.DRIVER),
        (["python", "manage.py", "migrate"], "python", pgc_exec.ToolKind.DRIVER),
        (["python3.12", "-m", "alembic"], "python3.12", pgc_exec.ToolKind.DRIVER),
        (["npm", "run", "migrate"], "npm", pgc_exec.ToolKind.OTHER),
        (["sh", "-c", "exit 3"], "sh", pgc_exec.ToolKind.OTHER),
    ],
)
def test_the_program_reading_the_connection_is_found_behind_launchers(
    argv: list[str], tool: str, kind: pgc_exec.ToolKind
) -> None:
    assert pgc_exec.effective_tool(argv) == tool
    assert pgc_exec.tool_kind(tool) is kind


def test_missing_tool_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="missing TOOL"):
        pgc_exec.plan(env_targets(DIRECT_URL=DIRECT), [])


# --------------------------------------------------------------------------- libpq environment


def test_libpq_tool_gets_pg_variables_and_no_password_variable() -> None:
    plan = pgc_exec.plan(env_targets(DIRECT_URL=DIRECT), ["psql"])
    env = env_of(plan)
    assert env["PGHOST"] == "127.0.0.1"
    assert env["PGPORT"] == "5432"
    assert env["PGUSER"] == "app"
    assert env["PGDATABASE"] == "app"
    assert env["PGSSLMODE"] == "require"
    assert "PGPASSWORD" not in env


def test_password_goes_to_the_passfile() -> None:
    plan = pgc_exec.plan(env_targets(DIRECT_URL=DIRECT), ["psql"])
    assert plan.passfile == (f"127.0.0.1:5432:*:app:{SECRET}",)


def test_prisma_only_parameters_are_dropped_for_libpq_tools_with_a_note() -> None:
    url = DIRECT + "&connection_limit=5&pool_timeout=10"
    plan = pgc_exec.plan(env_targets(DIRECT_URL=url), ["pg_dump"])
    assert "connection_limit" not in str(plan.settings)
    assert "connection_limit, pool_timeout" in texts(plan)


def test_schema_becomes_a_search_path_in_pgoptions() -> None:
    plan = pgc_exec.plan(env_targets(DIRECT_URL=DIRECT + "&schema=app"), ["psql"])
    assert env_of(plan)["PGOPTIONS"] == "-c search_path=app"


def test_schema_is_appended_to_options_already_in_the_url() -> None:
    url = DIRECT + "&options=-c%20statement_timeout%3D0&schema=app"
    plan = pgc_exec.plan(env_targets(DIRECT_URL=url), ["psql"])
    assert env_of(plan)["PGOPTIONS"] == "-c statement_timeout=0 -c search_path=app"


def test_schema_is_not_sent_through_a_pooler_and_a_warning_says_so() -> None:
    plan = pgc_exec.plan(env_targets(DATABASE_URL=POOLED + "&schema=app"), ["psql"], allow_pooled=True)
    assert "PGOPTIONS" not in env_of(plan)
    assert "SET search_path TO app" in texts(plan)


def test_parameters_unknown_to_libpq_are_dropped_with_a_warning() -> None:
    plan = pgc_exec.plan(env_targets(DIRECT_URL=DIRECT + "&connectTimeout=10"), ["psql"])
    assert any(n.severity is Severity.WARNING and "connectTimeout" in n.text for n in plan.notes)


def test_settings_without_a_pg_variable_go_to_the_service_file() -> None:
    plan = pgc_exec.plan(env_targets(DIRECT_URL=DIRECT + "&keepalives=1&keepalives_idle=30"), ["psql"])
    assert plan.service == (("keepalives", "1"), ("keepalives_idle", "30"))
    assert env_of(plan)["PGSERVICE"] == pgc_exec.SERVICE_NAME
    assert pgc_exec.service_file_text(plan.service) == "[pgc]\nkeepalives=1\nkeepalives_idle=30\n"


def test_settings_without_a_pg_variable_cannot_join_a_service_named_in_the_url() -> None:
    url = DIRECT + "&service=mine&keepalives=1"
    plan = pgc_exec.plan(env_targets(DIRECT_URL=url), ["psql"])
    assert plan.service == ()
    assert env_of(plan)["PGSERVICE"] == "mine"
    assert "PGSERVICEFILE" not in plan.unset
    assert any("keepalives cannot be passed" in n.text for n in plan.notes)


def test_inherited_connection_variables_are_cleared_unless_the_url_sets_them() -> None:
    plan = pgc_exec.plan(env_targets(DIRECT_URL=DIRECT), ["psql"])
    assert {"PGPASSWORD", "PGSERVICE", "PGSERVICEFILE", "PGHOSTADDR", "PGCLUSTER"} <= set(plan.unset)
    assert "PGHOST" not in plan.unset
    assert "PGPASSFILE" not in plan.unset  # run() sets it to the temporary file


def test_password_with_a_line_break_falls_back_to_pgpassword_with_a_warning() -> None:
    url = "postgresql://app:two%0Alines@127.0.0.1/app"
    plan = pgc_exec.plan(env_targets(DIRECT_URL=url), ["psql"])
    assert env_of(plan)["PGPASSWORD"] == "two\nlines"
    assert plan.passfile == ()
    assert any(n.severity is Severity.WARNING and "PGPASSWORD" in n.text for n in plan.notes)


def test_url_without_a_password_makes_no_passfile() -> None:
    plan = pgc_exec.plan(env_targets(DIRECT_URL="postgresql://app@127.0.0.1/app"), ["psql"])
    assert plan.passfile == ()


def test_url_without_a_password_keeps_the_users_own_password_settings() -> None:
    plan = pgc_exec.plan(env_targets(DIRECT_URL="postgresql://app@127.0.0.1/app"), ["psql"])
    assert "PGPASSFILE" not in plan.unset
    assert "PGPASSWORD" not in plan.unset


# --------------------------------------------------------------------------- URL variables


def test_every_tool_gets_database_url_and_direct_url_set_to_the_direct_url() -> None:
    plan = pgc_exec.plan(env_targets(DATABASE_URL=NEON_POOLED), ["sh", "-c", "env"])
    env = env_of(plan)
    assert parse(env["DATABASE_URL"]).host == NEON_DIRECT_HOST
    assert env["DIRECT_URL"] == env["DATABASE_URL"]


def test_other_known_url_variables_of_the_project_point_at_the_direct_url_too() -> None:
    targets = env_targets(POSTGRES_PRISMA_URL=POOLED, POSTGRES_URL_NON_POOLING=DIRECT)
    env = env_of(pgc_exec.plan(targets, ["npx", "prisma", "migrate", "deploy"]))
    assert env["POSTGRES_PRISMA_URL"] == DIRECT
    assert env["POSTGRES_URL_NON_POOLING"] == DIRECT


def test_prisma_gets_the_url_as_written_with_its_schema() -> None:
    url = DIRECT + "&schema=app&connection_limit=1"
    env = env_of(pgc_exec.plan(env_targets(DIRECT_URL=url), ["npx", "prisma", "migrate", "deploy"]))
    assert env["DATABASE_URL"] == url


def test_driver_tools_get_a_url_without_prisma_parameters_and_schema_as_options() -> None:
    url = DIRECT + "&schema=app&connection_limit=1"
    env = env_of(pgc_exec.plan(env_targets(DIRECT_URL=url), ["alembic", "upgrade", "head"]))
    ci = parse(env["DATABASE_URL"])
    assert ci.non_libpq_params() == []
    assert ci.get("options") == "-c search_path=app"


def test_driver_url_keeps_the_scheme_as_the_user_wrote_it() -> None:
    url = f"postgresql+psycopg://app:{SECRET}@127.0.0.1/app?schema=app"
    env = env_of(pgc_exec.plan(env_targets(DIRECT_URL=url), ["alembic", "upgrade", "head"]))
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")


# --------------------------------------------------------------------------- version check


def test_dump_tools_are_version_checked() -> None:
    plan = pgc_exec.plan(env_targets(DIRECT_URL=DIRECT), ["pg_dump", "-Fc"])
    assert plan.version_check


def test_psql_is_not_version_checked() -> None:
    assert not pgc_exec.plan(env_targets(DIRECT_URL=DIRECT), ["psql"]).version_check


def test_version_check_can_be_turned_off() -> None:
    plan = pgc_exec.plan(env_targets(DIRECT_URL=DIRECT), ["pg_dump"], version_check=False)
    assert not plan.version_check


def test_dump_tool_asked_for_its_version_is_not_checked() -> None:
    assert not pgc_exec.plan(env_targets(DIRECT_URL=DIRECT), ["pg_dump", "--version"]).version_check


def test_pg_restore_is_checked_only_when_it_connects() -> None:
    targets = env_targets(DIRECT_URL=DIRECT)
    assert pgc_exec.plan(targets, ["pg_restore", "-d", "app", "x.dump"]).version_check
    assert pgc_exec.plan(targets, ["pg_restore", "--dbname=app", "x.dump"]).version_check
    assert not pgc_exec.plan(targets, ["pg_restore", "-f", "out.sql", "x.dump"]).version_check


def test_pg_restore_without_dbname_gets_a_hint_naming_the_database() -> None:
    plan = pgc_exec.plan(env_targets(DIRECT_URL=DIRECT), ["pg_restore", "x.dump"])
    assert "-d app" in texts(plan)


def test_tool_version_is_read_from_its_version_line() -> None:
    assert pgc_exec.tool_major("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n") == (15, "15.18")
    assert pgc_exec.tool_major("something else") is None


def test_older_dump_tool_is_a_client_tools_old_error() -> None:
    found = pgc_exec.version_finding("pg_dump", (15, "15.18"), 170002)
    assert found is not None
    assert found.id == "client-tools-old"
    assert found.severity is Severity.ERROR
    assert "17.2" in found.detail


def test_same_or_newer_dump_tool_passes_the_version_check() -> None:
    assert pgc_exec.version_finding("pg_dump", (15, "15.18"), 150018) is None
    assert pgc_exec.version_finding("pg_dump", (17, "17.2"), 150018) is None


# --------------------------------------------------------------------------- pieces


@pytest.mark.parametrize(
    ("schema", "option"),
    [
        ("app", "-c search_path=app"),
        ("MySchema", '-c search_path="MySchema"'),
        ("my schema", '-c search_path="my\\ schema"'),
        ('we"ird', '-c search_path="we""ird"'),
    ],
)
def test_schema_is_quoted_like_prisma_and_escaped_for_libpq_options(schema: str, option: str) -> None:
    assert pgc_exec.search_path_option(schema) == option


def test_passfile_escapes_colons_and_backslashes() -> None:
    plan = pgc_exec.plan(env_targets(DIRECT_URL="postgresql://a%3Ab:p%3Aw%5Cx@127.0.0.1/db"), ["psql"])
    assert plan.passfile == ("127.0.0.1:*:*:a\\:b:p\\:w\\\\x",)


def test_passfile_has_one_line_per_host_of_a_list() -> None:
    url = f"postgresql://app:{SECRET}@h1:5432,h2:5433/app"
    plan = pgc_exec.plan(env_targets(DIRECT_URL=url), ["psql"])
    assert [line.split(":")[:2] for line in plan.passfile] == [["h1", "5432"], ["h2", "5433"]]


def test_passfile_uses_localhost_for_the_default_socket_and_any_user_when_none_is_given() -> None:
    plan = pgc_exec.plan(env_targets(DIRECT_URL=f"postgresql://:{SECRET}@/app"), ["psql"])
    assert plan.passfile == (f"localhost:*:*:*:{SECRET}",)


def _libpq_passfile_fields(line: str) -> list[str]:
    """Split a passfile line the way libpq's passwordFromFile reads it."""
    fields, current, i = [], "", 0
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            current += line[i + 1]
            i += 2
            continue
        if c == ":" and len(fields) < 4:
            fields.append(current)
            current = ""
        else:
            current += c
        i += 1
    return [*fields, current]


@given(
    user=st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1),
    password=st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1),
)
def test_passfile_line_reads_back_as_the_same_user_and_password(user: str, password: str) -> None:
    settings = pgc_exec.LibpqSettings((("host", "db"), ("port", "5432"), ("user", user)))
    (line,) = pgc_exec.passfile_lines(settings, password)
    assert _libpq_passfile_fields(line) == ["db", "5432", "*", user, password]


def test_child_environment_drops_cleared_variables_and_adds_the_temporary_files(tmp_path: object) -> None:
    plan = pgc_exec.plan(env_targets(DIRECT_URL=DIRECT + "&keepalives=1"), ["psql"])
    inherited = {"PATH": "/bin", "PGPASSWORD": "stale", "PGSERVICE": "old", "PGHOST": "elsewhere"}
    from pathlib import Path

    env = pgc_exec.child_environment(plan, inherited, passfile=Path("/t/pgpass"), service_file=Path("/t/svc"))
    assert env["PATH"] == "/bin"
    assert "PGPASSWORD" not in env
    assert env["PGHOST"] == "127.0.0.1"
    assert env["PGSERVICE"] == "pgc"
    assert env["PGPASSFILE"] == "/t/pgpass"
    assert env["PGSERVICEFILE"] == "/t/svc"


# --------------------------------------------------------------------------- secrets


def test_plan_repr_holds_no_password() -> None:
    plan = pgc_exec.plan(env_targets(DATABASE_URL=POOLED, DIRECT_URL=DIRECT), ["psql"])
    assert SECRET not in repr(plan)


def test_dry_run_text_masks_the_password_and_names_the_temporary_passfile() -> None:
    plan = pgc_exec.plan(env_targets(DIRECT_URL=DIRECT + "&sslpassword=keypw"), ["psql", "-c", "select 1"])
    text = pgc_exec.dry_run_text(plan, {"PGPASSWORD": "x"})
    assert SECRET not in text
    assert "keypw" not in text
    assert "PGPASSFILE=<temporary" in text
    assert "unset PGPASSWORD" in text
    assert text.rstrip().endswith("psql -c 'select 1'")


@given(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00")))
def test_no_note_or_dry_run_line_ever_shows_the_password(tail: str) -> None:
    from urllib.parse import quote

    password = "\u2603" + tail  # the snowman appears nowhere else in the output
    url = f"postgresql://app:{quote(password, safe='')}@127.0.0.1:5432/app?schema=app"
    plan = pgc_exec.plan(env_targets(DIRECT_URL=url), ["alembic", "upgrade", "head"])
    shown = pgc_exec.dry_run_text(plan, {}) + texts(plan)
    assert "\u2603" not in shown
    assert quote("\u2603") not in shown


def test_prisma_tls_settings_reach_libpq_tools_in_libpq_words() -> None:
    # Prisma's sslcert is the server's CA; handed to psql as sslcert it would be read as a client cert
    ci = parse("postgresql://app:pw@db.example.com/app?sslmode=require&sslaccept=strict&sslcert=ca.pem")
    settings = pgc_exec.libpq_settings(ci)
    assert settings.get("sslrootcert") == "ca.pem"
    assert settings.get("sslcert") is None
    assert settings.get("sslmode") == "verify-full"
    assert "sslaccept" in settings.prisma_dropped


def test_dry_run_masks_a_secret_setting_without_dropping_the_settings_after_it() -> None:
    url = DIRECT + "&sslpassword=keypw&keepalives=1"
    plan = pgc_exec.plan(env_targets(DIRECT_URL=url), ["psql"])
    line = next(v.shown for v in plan.env if v.name == "DATABASE_URL")
    assert line == "postgresql://app:****@127.0.0.1:5432/app?sslmode=require&sslpassword=****&keepalives=1"


@pytest.mark.parametrize("socket_dir", ["/var/run/postgresql", "/tmp", "/run/pg%20sock"])
def test_passfile_for_a_socket_directory_also_has_the_localhost_line_libpq_looks_up(socket_dir: str) -> None:
    # libpq's passwordFromFile looks up "localhost" when the host is its default socket directory
    url = f"postgresql://app:{SECRET}@/app?host={socket_dir}"
    plan = pgc_exec.plan(env_targets(DIRECT_URL=url), ["psql"])
    path = socket_dir.replace("%20", " ")
    assert plan.passfile == (f"{path}:*:*:app:{SECRET}", f"localhost:*:*:app:{SECRET}")


def test_passfile_for_a_socket_directory_and_localhost_writes_each_line_once() -> None:
    url = f"postgresql://app:{SECRET}@/app?host=/var/run/postgresql,localhost&port=5432"
    plan = pgc_exec.plan(env_targets(DIRECT_URL=url), ["psql"])
    assert plan.passfile == (f"/var/run/postgresql:5432:*:app:{SECRET}", f"localhost:5432:*:app:{SECRET}")


@pytest.mark.parametrize(
    "scheme",
    ["postgresql", "postgres", "POSTGRESQL", "postgresql+asyncpg", "postgres+psycopg2", "prisma+postgres"],
)
def test_exec_accepts_exactly_the_schemes_discovery_treats_as_postgresql(scheme: str) -> None:
    from pgconnect_cli.targets import looks_like_postgres_url

    url = f"{scheme}://app:{SECRET}@127.0.0.1:5432/app"
    assert looks_like_postgres_url(url)
    try:
        pgc_exec.choose_url([], url=url)
    except UsageError as exc:  # only Prisma Accelerate, with its own explanation
        assert "Prisma Accelerate" in str(exc)
        assert scheme == "prisma+postgres"
    else:
        assert scheme != "prisma+postgres"


@pytest.mark.parametrize("scheme", ["mysql", "http", "postgresqlx", "jdbc+postgresql"])
def test_exec_refuses_the_schemes_discovery_does_not_treat_as_postgresql(scheme: str) -> None:
    from pgconnect_cli.targets import looks_like_postgres_url

    url = f"{scheme}://app:{SECRET}@127.0.0.1:5432/app"
    assert not looks_like_postgres_url(url)
    with pytest.raises(UsageError, match="not a PostgreSQL URL"):
        pgc_exec.choose_url([], url=url)
