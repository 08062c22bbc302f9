"""The validation hook itself: it finds JSON output, and it fails on a broken document."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from tests.contracts.validate import asks_for_json

broken = typer.Typer()


@broken.command()
def check(json_flag: bool = typer.Option(False, "--json")) -> None:
    typer.echo('{"schema": "pgc.url/v1", "url": 3}' if json_flag else "fine")


@pytest.mark.parametrize(
    "args",
    [
        ["doctor", "--json"],
        ["url", "check", "u", "--format", "json"],
        ["env", "check", "--format=json"],
        ["doctor", "-f", "json"],
    ],
)
def test_json_flags_are_recognised(args: list[str]) -> None:
    assert asks_for_json(args)


@pytest.mark.parametrize(
    "args",
    [
        ["doctor"],
        ["doctor", "--format", "github"],
        ["exec", "--", "tool", "--json"],
        ["exec", "tool", "--json"],
    ],
)
def test_other_output_and_a_childs_flags_are_not_json(args: list[str]) -> None:
    assert not asks_for_json(args)


def test_a_cli_run_printing_a_broken_document_fails_the_test() -> None:
    with pytest.raises(AssertionError, match="breaks its schema"):
        CliRunner().invoke(broken, ["--json"])


def test_a_cli_run_printing_human_output_is_left_alone() -> None:
    assert CliRunner().invoke(broken, []).stdout == "fine\n"
