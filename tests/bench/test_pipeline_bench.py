"""Smoke test of ``make bench``'s pipeline benchmark: every phase runs and every ratio comes out.

A tiny corpus, every phase in this process (the benchmark itself gives each group of phases a
fresh interpreter), against the session's Prefect test API. No timing is asserted: the figures
of a run this small mean nothing, only that the code that makes them works.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench.pipeline import REFERENCE, TARGETS, meets, run_bench
from bench.results import RATIO_NAMES, render

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def test_every_phase_runs_and_every_ratio_is_reported(tmp_path: Path) -> None:
    result = run_bench((2, 4), tmp_path, per_blog=1, isolate=False)
    ratios = result["ratios"]
    assert set(ratios) == set(TARGETS) | set(REFERENCE) == set(RATIO_NAMES)
    for key, value in ratios.items():
        values = value.values() if isinstance(value, dict) else [value]
        if isinstance(value, dict):
            assert set(value) == {2, 4}, key
        assert all(math.isfinite(v) and v > 0 for v in values), (key, value)
    small, large = result["sizes"][2], result["sizes"][4]
    assert large["platforms"] == {"generic": 3, "wordpress": 1}
    assert large["flow"]["night2"]["not_modified"] > 0  # the second night was answered with 304s
    assert set(large["stages"]["by_source"]) == {"page", "feed"}
    assert "profile" in small and "profile" not in large
    text = render(result, TARGETS, meets)
    assert all(name in text for name in RATIO_NAMES.values())
