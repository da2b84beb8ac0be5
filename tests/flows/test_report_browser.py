"""The report opened in a real headless Chromium (Debian's ``chromium``), offline, as a reader would.

The demo database is made the way ``make demo`` makes it: the nightly flow over the sample
blogosphere on loopback, which then writes the report itself. Each page is loaded in a fresh
Chromium (new user-data directory, ``--headless --no-sandbox --disable-gpu
--disable-background-networking``); the test fails on any console error or uncaught exception,
on any request that leaves the file, and on any chart container Plotly did not draw. Screenshots
are saved in the test's temporary folder.

Skips, saying so, when Chromium is not installed; ``make test-browser`` installs it and sets
``REQUIRE_CHROMIUM=1`` so that a missing browser fails there instead.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.blogosphere import serve
from flows.report.build import write_report
from tests.chromium import PageVisit, find_chromium, visit
from warehouse.db import open_warehouse

CHROMIUM = find_chromium()


@pytest.fixture(autouse=True)
def _chromium() -> None:
    if CHROMIUM is None:
        message = (
            "Chromium is not installed, so the report was not opened in a browser: `make test-browser` installs "
            "Debian's chromium package (apt-get install chromium) and runs this test"
        )
        if os.environ.get("REQUIRE_CHROMIUM") == "1":
            pytest.fail(message)
        pytest.skip(message)


def _check(page: PageVisit, expected_charts: int) -> None:
    summary = {
        "console_errors": len(page.console_errors),
        "remote_requests": len(page.remote_requests),
        "charts": len(page.charts),
        "drawn": page.drawn,
        "empty_states": page.empty_states,
        "ready_ms": round(page.ready_ms),
        "timing": page.timing,
    }
    print(f"\n{page.url}: {json.dumps(summary)}")
    assert page.console_errors == (), page.log
    assert page.remote_requests == ()
    assert page.ready == str(expected_charts), f"page reported {page.ready!r}"
    assert len(page.charts) == expected_charts
    assert [c.id for c in page.charts if not c.drawn] == []
    assert page.screenshot.stat().st_size > 10_000


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_the_demo_report_written_by_the_nightly_run_opens_with_every_chart_drawn(tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.nightly import nightly

    db = tmp_path / "demo.duckdb"
    report = tmp_path / "demo.report.html"
    with serve("127.0.0.1") as sphere:
        sources = tmp_path / "sources.yaml"
        sources.write_text(sphere.sources_yaml(), encoding="utf-8")
        overrides = {
            "allow_private": [sphere.host],
            "host_delay_s": 0.0,
            "revalidate_days": 36500,
            "report_path": str(report),
        }
        summary = nightly(str(sources), str(db), None, overrides)
    assert summary["status"] == "completed"
    assert summary["report"]["path"] == str(report) and "error" not in summary["report"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        posts = con.execute("SELECT count(*) FROM post_labels").fetchone()
        recorded = con.execute("SELECT stats -> 'report' FROM runs WHERE run_id = ?", [summary["run_id"]]).fetchone()
    finally:
        con.close()
    assert posts is not None and summary["report"]["posts"] == posts[0] > 0
    assert recorded is not None and json.loads(recorded[0])["bytes"] == report.stat().st_size

    async def artifacts() -> list[Any]:
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["nightly-dataset-report"]))
            )

    markdown = [str(a.data) for a in asyncio.run(artifacts())]
    assert any(report.resolve().as_uri() in md and summary["run_id"] in md for md in markdown)

    page = visit(report, tmp_path / "demo.png")
    # The sample blogs carry no stance labels yet (no stance model has run), so the two stance
    # charts and the targets table are empty states; every other chart is drawn.
    _check(page, summary["report"]["charts"])
    assert summary["report"]["charts"] == 5 and page.empty_states == 3


def test_the_labelled_warehouse_report_draws_all_seven_charts(labelled_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "labelled.html"
    info = write_report(labelled_db, out)
    page = visit(out, tmp_path / "labelled.png")
    _check(page, 7)
    assert info.charts == 7 and page.empty_states == 0
    heat = next(c for c in page.charts if c.id == "chart-stance-sources")
    assert heat.drawn and heat.height > 100


def test_a_new_database_report_opens_with_its_empty_states_and_no_errors(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    open_warehouse(db).close()
    out = tmp_path / "new.html"
    write_report(db, out)
    page = visit(out, tmp_path / "new.png")
    _check(page, 0)
    assert page.empty_states >= 7
