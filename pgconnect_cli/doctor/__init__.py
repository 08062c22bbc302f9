"""`pgc doctor` as plain Python: `run(targets, DoctorOptions(...)) -> DoctorReport`.

    observations  what the probes saw: enums and frozen dataclasses (a light leaf module)
    options       DoctorOptions, and the parsing of --resolver / --resolve
    runner        the I/O: static results, probes in threads under one deadline, then settle
    settle        the one pure step: observations + static results → layer checks and findings
    report        the DoctorReport model the renderers read

The names below (what the command, the renderers and the tests call) load their module on first
use, so importing the package (or its light `observations` module, which the probes and checks
use) loads nothing else; the rest is imported from its module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pgconnect_cli.doctor.options import DEFAULT_TIMEOUT, DoctorOptions, parse_pins, parse_resolver
    from pgconnect_cli.doctor.report import SCHEMA, DoctorReport, TargetReport
    from pgconnect_cli.doctor.runner import run

__all__ = [
    "DEFAULT_TIMEOUT",
    "SCHEMA",
    "DoctorOptions",
    "DoctorReport",
    "TargetReport",
    "parse_pins",
    "parse_resolver",
    "run",
]

_WHERE = {
    "DEFAULT_TIMEOUT": "options",
    "DoctorOptions": "options",
    "parse_pins": "options",
    "parse_resolver": "options",
    "SCHEMA": "report",
    "DoctorReport": "report",
    "TargetReport": "report",
    "run": "runner",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
