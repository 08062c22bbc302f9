"""Every JSON output of the CLI in these tests is validated (the plugin's autouse fixture)."""

from tests.contracts.plugin import json_contracts

__all__ = ["json_contracts"]
