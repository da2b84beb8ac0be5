"""``slant report`` on real DuckDB files: a self-contained page, its queries reproducible, its empty states.

(The page opened in a real browser is tests/flows/test_report_browser.py.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from bs4 import BeautifulSoup

from flows.report.build import artifact_markdown, nightly_report, write_report
from tests.warehouse.labelled import RUN_1
from warehouse.db import open_warehouse
from warehouse.query import run_query
from warehouse.report_data import Window

CHARTS = (
    "chart-posts",
    "chart-loaded",
    "chart-stance-trend",
    "chart-stance-sources",
    "chart-terms",
    "chart-term-trend",
    "chart-runs",
)
MAX_BYTES = 10 * 1024 * 1024


def slant(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def _copy(db: Path, tmp: Path) -> Path:
    copy = tmp / "w.duckdb"
    copy.write_bytes(db.read_bytes())
    return copy


def _page(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _figures(soup: BeautifulSoup) -> dict[str, Any]:
    tag = soup.find("script", id="slant-figures")
    assert tag is not None
    return json.loads(tag.string or "{}")  # type: ignore[no-any-return]


def _queries(soup: BeautifulSoup) -> dict[str, str]:
    return {
        panel["id"].removeprefix("panel-"): panel.select_one("code.sql").get_text()  # type: ignore[union-attr]
        for panel in soup.select("div.panel")
    }


@pytest.fixture(scope="module")
def labelled_page(labelled_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The labelled warehouse rendered by the real command line, from another directory."""
    tmp = tmp_path_factory.mktemp("report")
    db = _copy(labelled_db, tmp)
    result = slant("report", "--db", str(db), "--out", "out/report.html", cwd=tmp)
    assert result.returncode == 0, result.stderr
    assert "7 charts" in result.stdout
    return db, tmp / "out" / "report.html"


def test_the_page_is_self_contained_and_small(labelled_page: tuple[Path, Path]) -> None:
    _db, page = labelled_page
    soup = _page(page)
    assert page.stat().st_size < MAX_BYTES
    assert not soup.select("script[src], link[href], img[src], iframe, object, embed")
    for style in soup.find_all("style"):
        assert "url(" not in (style.string or "") and "@import" not in (style.string or "")
    scripts = [s.string or "" for s in soup.find_all("script")]
    assert any("plotly.js v" in s for s in scripts)  # Plotly's own bundle, inline
    assert soup.title is not None and "slant report" in soup.title.get_text()


def test_every_chart_container_has_its_figure_and_the_numbers_match_the_queries(
    labelled_page: tuple[Path, Path],
) -> None:
    _db, page = labelled_page
    soup = _page(page)
    figures = _figures(soup)
    assert [div["id"] for div in soup.select("div.chart")] == list(CHARTS)
    assert list(figures) == list(CHARTS)
    assert not soup.select(".empty")
    heat = figures["chart-stance-sources"]["data"][0]
    assert heat["type"] == "heatmap"
    assert heat["y"] == ["left-pen", "right-angle"] and heat["x"] == ["Labour Party"]
    assert heat["z"] == [[-0.5], [-1.0]]
    assert heat["text"] == [["0 / 1 / 1"], ["0 / 1 / 0"]]
    loaded = figures["chart-loaded"]
    names = {t["name"] for t in loaded["data"]}
    assert names == {"left-pen", "right-angle", "quiet-corner"}
    assert len(loaded["data"]) == 6  # each source twice: author voice, quoted voice


def test_each_query_shown_reruns_with_slant_sql(labelled_page: tuple[Path, Path]) -> None:
    db, page = labelled_page
    queries = _queries(_page(page))
    assert {f"{c}" for c in CHARTS} <= set(queries)
    for panel, sql in queries.items():
        assert not set('"$`!') & set(sql), f'{panel}: the query must paste into slant sql "…" as it is'
        run_query(db, sql)  # every one runs, read-only
    # One through the real command line, compared with the figure it drew.
    result = slant("sql", queries["chart-stance-sources"], "--db", str(db), "--format", "json", cwd=db.parent)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["source_id"], r["net"]) for r in rows] == [("left-pen", -0.5), ("right-angle", -1.0)]


def test_a_new_database_shows_empty_states_and_no_charts(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    open_warehouse(db).close()
    info = write_report(db, tmp_path / "r.html")
    soup = _page(tmp_path / "r.html")
    assert info.charts == 0 and info.posts == 0
    assert not soup.select("div.chart") and _figures(soup) == {}
    empty = {e["data-empty"]: e.get_text() for e in soup.select(".empty")}
    assert set(CHARTS) <= set(empty)
    assert "holds no posts yet" in empty["overview-numbers"]
    assert "no stance model has written" in empty["chart-stance-trend"]
    assert "No nightly run" in empty["chart-runs"]
    assert info.bytes < 200_000  # no charts, so no Plotly either


def test_a_source_with_no_posts_in_the_window_and_a_target_never_mentioned(labelled_db: Path, tmp_path: Path) -> None:
    db = _copy(labelled_db, tmp_path)
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO targets VALUES ('greens', 'Green Party', 'party', ['Greens'], '{}', now())")
    con.close()
    out = tmp_path / "r.html"
    write_report(db, out, Window(since=date(2026, 11, 5), sources=("left-pen", "right-angle")))
    soup = _page(out)
    notes = " ".join(n.get_text() for n in soup.select(".note"))
    assert "No posts in the window from: left-pen." in notes
    rows = {
        r.select("td")[0].get_text(" ", strip=True): r.get_text(" ", strip=True)
        for r in soup.select("#panel-table-sources tbody tr")
    }
    assert "no posts in the window" in next(v for k, v in rows.items() if k.startswith("The Left Pen"))
    # In a window where Labour is discussed, the target nobody mentions is named.
    write_report(db, out, Window())
    soup = _page(out)
    notes = " ".join(n.get_text() for n in soup.select(".note"))
    assert "Never mentioned in this window (no post carries a stance on it): Green Party (greens)." in notes
    targets = soup.select_one("#panel-table-targets tbody")
    assert targets is not None and "never mentioned" in targets.get_text()
    # Only a target nobody mentions: the stance charts give way to a message naming it.
    write_report(db, out, Window(targets=("greens",)))
    empty = {e["data-empty"]: e.get_text() for e in _page(out).select(".empty")}
    assert "No post in this window carries a stance on Green Party (greens)" in empty["chart-stance-sources"]


def test_a_report_that_cannot_be_written_is_recorded_and_does_not_raise(labelled_db: Path, tmp_path: Path) -> None:
    db = _copy(labelled_db, tmp_path)
    blocked = tmp_path / "a-directory.html"
    blocked.mkdir()
    (blocked / "keep").write_text("x")
    outcome = nightly_report(db, blocked, RUN_1)
    assert "error" in outcome and "a-directory.html" in outcome["error"]
    stats = (
        duckdb.connect(str(db), read_only=True)
        .execute("SELECT stats -> 'report' ->> 'error', stats ->> 'requests' FROM runs WHERE run_id = ?", [RUN_1])
        .fetchone()
    )
    assert stats is not None and stats[0] == outcome["error"] and stats[1] == "42"  # the rest of stats kept


def test_the_nightly_outcome_is_recorded_and_the_artifact_links_it(labelled_db: Path, tmp_path: Path) -> None:
    db = _copy(labelled_db, tmp_path)
    out = tmp_path / "nightly.report.html"
    outcome = nightly_report(db, out, RUN_1)
    assert outcome["path"] == str(out) and out.exists() and outcome["charts"] == len(CHARTS)
    recorded = (
        duckdb.connect(str(db), read_only=True)
        .execute("SELECT stats -> 'report' FROM runs WHERE run_id = ?", [RUN_1])
        .fetchone()
    )
    assert recorded is not None and json.loads(recorded[0])["bytes"] == out.stat().st_size
    summary = {
        "run_id": RUN_1,
        "status": "completed",
        "health": {"verdict": "healthy"},
        "seconds": 12.5,
        "requests": 40,
        "not_modified": 30,
        "posts": {"new": 2, "updated": 1, "unchanged": 9, "deleted": 0, "extraction_failures": 0},
        "errors_by_kind": {},
        "report": outcome,
    }
    markdown = artifact_markdown(summary)
    assert f"]({out.resolve().as_uri()})" in markdown
    assert "5 posts from 3 sources, 2026-11-02 to 2026-11-07" in markdown
    assert "2 new, 1 updated, 9 unchanged" in markdown and "**completed** (healthy)" in markdown
    failed = artifact_markdown({**summary, "report": {"path": str(out), "error": "OSError: disk full"}})
    assert "could not be written" in failed and "disk full" in failed


def test_docs_show_each_query_as_the_report_runs_it() -> None:
    from warehouse import report_data as r

    docs = (Path(__file__).resolve().parents[2] / "docs" / "report.md").read_text(encoding="utf-8")
    window = Window()
    for sql in (
        r.overview_sql(window),
        r.models_sql(),
        r.posts_weekly_sql(window),
        r.loaded_weekly_sql(window),
        r.stance_weekly_sql(window),
        r.stance_matrix_sql(window),
        r.targets_sql(window),
        r.top_terms_sql(window),
        r.term_trend_sql(window),
        r.sources_sql(window),
        r.runs_sql(),
    ):
        assert f"```sql\n{sql}\n```" in docs, sql.splitlines()[0]


def test_text_from_the_blogs_cannot_inject_markup_into_the_charts(labelled_db: Path, tmp_path: Path) -> None:
    from tests.warehouse.labelled import NEW_MODEL, POSTS, post_id

    db = _copy(labelled_db, tmp_path)
    con = duckdb.connect(str(db))
    hostile = '<a href="javascript:alert(1)">%{y}</a>'
    for n in range(3):  # often enough to be the top emotive term
        con.execute(
            "INSERT INTO loaded_spans (post_id, sentence_no, start_char, end_char, text, category, score, "
            "model_version, is_quote) VALUES (?, ?, 0, 5, ?, 'emotive', 0.9, ?, false)",
            [post_id(POSTS[0].url), n, hostile, NEW_MODEL],
        )
    con.close()
    out = tmp_path / "r.html"
    write_report(db, out)
    soup = _page(out)
    figures = json.dumps(_figures(soup))
    assert "javascript:alert" in figures  # the term is there ...
    assert "<a href" not in figures and "%{y}</a>" not in figures  # ... as text, not as markup or a template
    assert "&lt;a href=" in figures
