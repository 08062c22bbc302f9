"""Fixtures of the client tests: pgc's verdict on a project, cached for the session."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.clients.verdict import Verdict, doctor, project

VerdictOf = Callable[..., Verdict]


@pytest.fixture(scope="session")
def verdict(tmp_path_factory: pytest.TempPathFactory) -> VerdictOf:
    """`verdict(project, url, *doctor_args)`: `pgc doctor --json` in a copy of
    tests/clients/projects/PROJECT, run once per (project, url, args) in the session."""
    root = tmp_path_factory.mktemp("projects")
    done: dict[tuple[str, ...], Verdict] = {}

    def get(name: str, url: str, *extra: str) -> Verdict:
        key = (name, url, *extra)
        if key not in done:
            where = root / name
            if not where.exists():
                project(name, root)
            done[key] = doctor(where, url, *extra)
        return done[key]

    return get
