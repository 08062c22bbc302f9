"""What the wheel ships, built for real (offline, with the hatchling of the dev extra)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hatchling.builders.wheel import WheelBuilder

from pgconnect_cli import schemas

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    (built,) = WheelBuilder(str(ROOT)).build(directory=str(out), versions=["standard"])
    with zipfile.ZipFile(built) as wheel:
        return set(wheel.namelist())


def test_wheel_ships_every_schema_file(wheel_names: set[str]) -> None:
    expected = {f"pgconnect_cli/schemas/{schemas.file_name(n)}" for n in schemas.NAMES}
    assert expected <= wheel_names


def test_wheel_ships_the_license(wheel_names: set[str]) -> None:
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in wheel_names)
