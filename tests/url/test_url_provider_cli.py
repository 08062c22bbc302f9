"""`pgc url direct|pooled|build` on the new provider rows, through the CLI (CliRunner, offline)."""

from __future__ import annotations

from typer.testing import CliRunner

from pgconnect_cli.cli import app

runner = CliRunner()

DO_DIRECT = (
    "postgresql://doadmin:pw@db-postgresql-nyc3-12345-do-user-1234567-0.b.db.ondigitalocean.com:25060/defaultdb"
    "?sslmode=require"
)


def test_pooled_for_digitalocean_exits_1_with_url_not_derivable_and_the_reason() -> None:
    result = runner.invoke(app, ["url", "pooled", DO_DIRECT])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(
        "pgc: error: url-not-derivable: DigitalOcean pools are named: give the pool name;"
    )
    assert "pw" not in result.stderr


def test_direct_for_fly_mpg_swaps_the_first_label() -> None:
    result = runner.invoke(
        app, ["url", "direct", "postgresql://fly-user:pw@pgbouncer.abc123xyz.flympg.net/fly-db"]
    )
    assert (result.exit_code, result.stdout.strip()) == (
        0,
        "postgresql://fly-user:pw@direct.abc123xyz.flympg.net/fly-db",
    )


def test_build_offers_the_new_presets() -> None:
    result = runner.invoke(
        app, ["url", "build", "--provider", "crunchy-bridge", "--host", "p.abc.db.postgresbridge.com",
              "--no-password", "--pooled"],
    )  # fmt: skip
    assert (result.exit_code, result.stdout.strip()) == (
        0,
        "postgresql://application@p.abc.db.postgresbridge.com:5431/postgres?sslmode=require",
    )


def test_build_refuses_a_provider_without_a_preset_naming_the_choices() -> None:
    result = runner.invoke(app, ["url", "build", "--provider", "tembo", "--host", "h", "--no-password"])
    assert result.exit_code == 2 and "--provider must be one of generic," in result.stderr
