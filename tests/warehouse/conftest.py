"""Fixtures for the warehouse tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.warehouse.labelled import build_labelled_db


@pytest.fixture(scope="session")
def labelled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample labelled warehouse, built once per session; copy it before changing it."""
    return build_labelled_db(tmp_path_factory.mktemp("labelled") / "w.duckdb")
