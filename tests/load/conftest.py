"""A generated floor (bench/warehouse.py) small enough for the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import warehouse

#: Enough released lists for the load and kill tests; 2,000 products.
SIZES = warehouse.Sizes(products=2_000, import_lines=0, pick_orders=2_400, pickers=16)


@pytest.fixture(scope="session")
def generated_floor(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A floor database with released pick lists and pickers p01…p16, built once."""
    folder = tmp_path_factory.mktemp("generated")
    warehouse.build_floor(folder / "floor.db", SIZES)
    return folder / "floor.db"


@pytest.fixture
def floor_copy(generated_floor: Path, tmp_path: Path) -> Path:
    """A fresh copy of the generated floor for one test."""
    target = tmp_path / "floor.db"
    warehouse.copy_db(generated_floor, target)
    return target
