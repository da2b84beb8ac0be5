"""Write the report file: from ``slant report``, and after every successful nightly run.

The file is written next to its final name and moved into place, so a reader never opens half a
report. After a nightly run the outcome (path, size, time, or the error) goes into the run's
``runs.stats`` under ``report``; a report that cannot be written is logged and recorded, and never
fails the night.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from flows.report import page
from flows.settings import Settings
from warehouse.db import connect
from warehouse.report_data import Window, report_data

log = logging.getLogger("slant.report")


@dataclass(frozen=True)
class ReportInfo:
    """What was written: where, how big, how long it took, and the dataset's headline numbers."""

    path: str
    bytes: int
    seconds: float
    charts: int
    empty_states: int
    posts: int
    sources: int
    first_day: str | None
    last_day: str | None
    loaded_sentence_share: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _write_atomically(out: Path, text: str) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    data = text.encode("utf-8")
    try:
        partial.write_bytes(data)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return len(data)


def write_report_from(
    con: duckdb.DuckDBPyConnection, out: Path, window: Window, *, db_path: Path, now: datetime | None = None
) -> ReportInfo:
    """Query ``con``, render the page and write it to ``out``."""
    started = time.monotonic()
    data = report_data(con, window)
    rendered = page.render(data, db_path=str(db_path), generated_at=now or datetime.now(UTC))
    size = _write_atomically(out, rendered.html)
    head = data.overview.dicts()[0]
    return ReportInfo(
        path=str(out),
        bytes=size,
        seconds=round(time.monotonic() - started, 3),
        charts=len(rendered.charts),
        empty_states=len(rendered.empty),
        posts=int(head["posts"] or 0),
        sources=int(head["sources_with_posts"] or 0),
        first_day=head["first_day"].isoformat() if head["first_day"] else None,
        last_day=head["last_day"].isoformat() if head["last_day"] else None,
        loaded_sentence_share=None if head["loaded_sentence_share"] is None else float(head["loaded_sentence_share"]),
    )


def write_report(db_path: Path, out: Path, window: Window | None = None, *, wait_s: float = 0.0) -> ReportInfo:
    """Render the warehouse at ``db_path`` (opened read-only) into ``out``; the whole dataset by default."""
    con = connect(db_path, read_only=True, wait_s=wait_s)
    try:
        return write_report_from(con, out, window or Window(), db_path=db_path)
    finally:
        con.close()


def nightly_report(db_path: Path, out: Path, run_id: str, *, wait_s: float = 0.0) -> dict[str, Any]:
    """After a successful nightly run: write the whole dataset's report, record the outcome in the run's stats.

    Never raises: a failure is logged, recorded as ``{"error": …}`` and returned.
    """
    from warehouse.load import add_run_stats

    started = time.monotonic()
    outcome: dict[str, Any]
    try:
        con = connect(db_path, wait_s=wait_s)  # read-write: the outcome goes into runs.stats
    except Exception as exc:  # a report must never fail the night
        log.exception("nightly report: cannot open %s", db_path)
        return {"path": str(out), "error": f"{type(exc).__name__}: {exc}"}
    try:
        try:
            outcome = write_report_from(con, out, Window(), db_path=db_path).as_dict()
            log.info("nightly report: wrote %s (%s bytes) in %s s", out, outcome["bytes"], outcome["seconds"])
        except Exception as exc:  # a report must never fail the night
            log.exception("nightly report: could not write %s", out)
            outcome = {
                "path": str(out),
                "error": f"{type(exc).__name__}: {exc}",
                "seconds": round(time.monotonic() - started, 3),
            }
        try:
            add_run_stats(con, run_id, {"report": outcome})
        except duckdb.Error:
            log.exception("nightly report: could not record the outcome in runs.stats")
    finally:
        con.close()
    return outcome


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.0f} kB"


def artifact_markdown(summary: dict[str, Any]) -> str:
    """The markdown of the ``nightly-dataset-report`` artifact: the report's link and the headline numbers."""
    report = summary.get("report") or {}
    posts = summary["posts"]
    lines = [f"# Dataset report after nightly run {summary['run_id']}", ""]
    if report.get("error"):
        lines += [f"**The report could not be written** to `{report['path']}`: {report['error']}", ""]
    elif report:
        uri = Path(report["path"]).resolve().as_uri()
        lines += [
            f"[Open the report]({uri}) — `{report['path']}` ({_size(report['bytes'])}, {report['charts']} charts, "
            f"rendered in {report['seconds']} s; opens offline in any browser)",
            "",
        ]
    share = report.get("loaded_sentence_share")
    verdict = summary["health"]["verdict"] if "health" in summary else "no health gates"
    lines += [
        "| | |",
        "|---|---|",
        f"| run | **{summary['status']}** ({verdict}), "
        f"{summary['seconds']} s, {summary['requests']} requests ({summary['not_modified']} not modified) |",
        f"| posts tonight | {posts['new']} new, {posts['updated']} updated, {posts['unchanged']} unchanged, "
        f"{posts['deleted']} deleted, {posts['extraction_failures']} extraction failures |",
        f"| errors by kind | {summary['errors_by_kind'] or 'none'} |",
    ]
    if report and not report.get("error"):
        lines += [
            f"| dataset | {report['posts']:,} posts from {report['sources']} sources, "
            f"{report['first_day'] or '—'} to {report['last_day'] or '—'} |",
            f"| loaded sentences | {'—' if share is None else f'{share:.1%}'} |",
        ]
    return "\n".join(lines) + "\n"


def report_after_run(settings: Settings, summary: dict[str, Any]) -> None:
    """The nightly flow's last step: after a successful run, write the report and link it from an artifact.

    Sets ``summary["report"]`` (the outcome, or ``None`` when the run failed or ``report`` is off)
    and publishes the ``nightly-dataset-report`` markdown artifact. Never raises.
    """
    summary["report"] = None
    if summary["status"] != "completed" or not settings.report:
        return
    summary["report"] = nightly_report(
        settings.db_path, settings.report_file, summary["run_id"], wait_s=settings.db_lock_wait_s
    )
    try:
        from prefect.artifacts import create_markdown_artifact

        create_markdown_artifact(
            key="nightly-dataset-report",
            markdown=artifact_markdown(summary),
            description="The dataset report written after the run, with its headline numbers",
        )
    except Exception:  # an artifact that cannot be stored must not fail the night either
        log.exception("nightly report: could not create the artifact")
