"""``open_warehouse``: DuckDB's buffer pool is capped by ``db_memory_limit``, and a bad value names the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.errors import WarehouseError
from warehouse.db import open_warehouse


def test_the_memory_limit_caps_duckdbs_buffer_pool(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "w.duckdb", memory_limit="512MB")
    try:
        (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchone() or ("",)
    finally:
        con.close()
    assert limit.replace(" ", "") in {"488.2MiB", "512.0MB", "512MB"}, limit


def test_a_memory_limit_duckdb_refuses_names_the_setting_and_leaves_the_file_usable(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with pytest.raises(WarehouseError, match="db_memory_limit"):
        open_warehouse(db, memory_limit="a lot")
    open_warehouse(db).close()  # the refused connection was closed, so the file opens again
