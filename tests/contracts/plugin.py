"""A pytest plugin: every `CliRunner.invoke` that asks pgc for JSON has its stdout validated.

Enable it for the whole suite with `pytest -p tests.contracts.plugin` (or `pytest_plugins` in
tests/conftest.py); tests/contracts enables it for itself. Subprocess runs through
`tests.helpers.pgc` need `validate_cli_output(args, result.stdout)` in that helper.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.contracts.validate import validate_cli_output


@pytest.fixture(autouse=True)
def json_contracts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    invoke = CliRunner.invoke

    def validated(self: CliRunner, cli: Any, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        result = invoke(self, cli, args, *rest, **kwargs)
        argv = args.split() if isinstance(args, str) else list(args or ())
        if result.exception is None or isinstance(result.exception, SystemExit):
            validate_cli_output(argv, result.stdout)
        return result

    monkeypatch.setattr(CliRunner, "invoke", validated)
    yield
