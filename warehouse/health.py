"""Health gates: is each source still yielding posts with real text, tonight, against its history?

The nightly flow counts, per source, what it extracted (``SourceTonight``); ``check_sources``
adds what the warehouse knows (posts seen tonight, the trailing 14-night median, the request
error rate), applies the thresholds (``HealthThresholds``, from the settings) and stores one
``source_health`` row per source. Flags:

==================  ==========================================================================
``zero_yield``      no post found tonight although the source had posts on previous nights
``yield_drop``      posts found under ``min_yield_ratio`` × the trailing median (≥ 3 nights of history)
``text_collapse``   most pages extracted to nothing or to very short text (a theme change)
``no_dates``        most new posts have no publication date
``no_authors``      almost no new post has an author
``fallbacks``       most page posts needed the feed or the URL for their title or date
``fetch_errors``    most requests to the source failed
``host_given_up``   the crawler left the host alone for the night after repeated failures
==================  ==========================================================================
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from transform.process import ProcessedPost

HISTORY_NIGHTS = 14  # the trailing window: two weeks smooths weekday/weekend rhythm
MIN_HISTORY_FOR_RATIO = 3  # a median of fewer nights is too noisy for a ratio test
MIN_PAGES_FOR_SHARES = 3  # shares over one or two pages flag single odd posts, not a pattern


@dataclass(frozen=True)
class HealthThresholds:
    """When a source is flagged, and when the whole run fails (see docs/settings.md)."""

    min_yield_ratio: float = 0.5
    max_short_share: float = 0.5
    max_no_date_share: float = 0.5
    max_no_author_share: float = 0.9
    max_fallback_share: float = 0.5
    max_error_rate: float = 0.5
    fail_share: float = 0.5


@dataclass
class SourceTonight:
    """What the flow saw of one source tonight (filled in as batches are processed)."""

    processed: int = 0
    failures: int = 0
    short: int = 0
    no_date: int = 0
    no_author: int = 0
    page_posts: int = 0
    fallbacks: int = 0
    gave_up: bool = False
    listed: int | None = 0  # candidates its indexes listed; None: every index answered 304 (as last night)


# Metadata provenance values that mean a page's own markup did not supply the field.
_FALLBACK_SOURCES = frozenset({"feed", "api", "url", "links", "sitemap", "revalidate"})


def count_post(counts: SourceTonight, post: ProcessedPost, short_words: int) -> None:
    """Add one stored post to its source's counters for tonight."""
    counts.processed += 1
    counts.short += post.word_count < short_words
    counts.no_date += post.post.published_at is None
    counts.no_author += not post.post.authors
    if post.post.text_source == "page":
        counts.page_posts += 1
        provenance = post.post.metadata_sources
        counts.fallbacks += any(provenance.get(name) in _FALLBACK_SOURCES for name in ("title", "published_at"))


@dataclass(frozen=True)
class SourceHealth:
    """One source's health row."""

    source_id: str
    posts_found: int
    trailing_median: float | None
    processed: int
    failures: int
    short_share: float | None
    no_date_share: float | None
    no_author_share: float | None
    fallback_share: float | None
    requests: int
    error_rate: float | None
    flags: tuple[str, ...] = field(default_factory=tuple)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def evaluate(
    source_id: str,
    tonight: SourceTonight,
    posts_found: int,
    history: Sequence[int],
    requests: int,
    errors: int,
    limits: HealthThresholds,
) -> SourceHealth:
    """Apply the thresholds to one source's numbers (pure; see the module docstring for the flags)."""
    median = float(statistics.median(history)) if history else None
    attempted = tonight.processed + tonight.failures
    short_share = _share(tonight.short + tonight.failures, attempted)
    no_date = _share(tonight.no_date, tonight.processed)
    no_author = _share(tonight.no_author, tonight.processed)
    fallback = _share(tonight.fallbacks, tonight.page_posts)
    error_rate = _share(errors, requests)
    flags: list[str] = []
    if tonight.gave_up:
        flags.append("host_given_up")
    if median is not None and median > 0 and posts_found == 0:
        flags.append("zero_yield")
    elif median is not None and len(history) >= MIN_HISTORY_FOR_RATIO and posts_found < limits.min_yield_ratio * median:
        flags.append("yield_drop")
    if attempted >= MIN_PAGES_FOR_SHARES and short_share is not None and short_share > limits.max_short_share:
        flags.append("text_collapse")
    if tonight.processed >= MIN_PAGES_FOR_SHARES:
        if no_date is not None and no_date > limits.max_no_date_share:
            flags.append("no_dates")
        if no_author is not None and no_author > limits.max_no_author_share:
            flags.append("no_authors")
    if tonight.page_posts >= MIN_PAGES_FOR_SHARES and fallback is not None and fallback > limits.max_fallback_share:
        flags.append("fallbacks")
    if requests >= MIN_PAGES_FOR_SHARES and error_rate is not None and error_rate > limits.max_error_rate:
        flags.append("fetch_errors")
    return SourceHealth(
        source_id,
        posts_found,
        median,
        tonight.processed,
        tonight.failures,
        short_share,
        no_date,
        no_author,
        fallback,
        requests,
        error_rate,
        tuple(flags),
    )


def run_fails(rows: Sequence[SourceHealth], limits: HealthThresholds) -> bool:
    """Whether so many sources are flagged that the run itself should fail (an outage or a broken extractor)."""
    return bool(rows) and sum(1 for r in rows if r.flags) / len(rows) >= limits.fail_share


def check_sources(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    tonight: Mapping[str, SourceTonight],
    fetches: Mapping[str, tuple[int, int]],
    source_ids: Sequence[str],
    limits: HealthThresholds,
    now: datetime,
) -> list[SourceHealth]:
    """Evaluate every source of the run against its history and store the ``source_health`` rows.

    ``fetches``: per source, (requests, failed requests) as the run counted them.
    """
    ids = list(source_ids)
    history: dict[str, list[int]] = {sid: [] for sid in ids}
    for sid, posts in con.execute(
        "SELECT source_id, posts_found FROM (SELECT source_id, posts_found, row_number() OVER "
        "(PARTITION BY source_id ORDER BY checked_at DESC) AS n FROM source_health "
        "WHERE source_id IN (SELECT unnest(?)) AND run_id <> ?) WHERE n <= ?",
        [ids, run_id, HISTORY_NIGHTS],
    ).fetchall():
        history[sid].append(int(posts))

    def found(sid: str) -> int:
        listed = tonight.get(sid, SourceTonight()).listed
        if listed is None:  # nothing changed on its indexes: it lists what it listed last night
            return history[sid][0] if history[sid] else 0
        return listed

    rows = [
        evaluate(
            sid,
            tonight.get(sid, SourceTonight()),
            found(sid),
            history[sid],
            *fetches.get(sid, (0, 0)),
            limits,
        )
        for sid in ids
    ]
    con.executemany(
        "INSERT OR REPLACE INTO source_health VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                run_id,
                r.source_id,
                now,
                r.posts_found,
                r.trailing_median,
                r.processed,
                r.failures,
                r.short_share,
                r.no_date_share,
                r.no_author_share,
                r.fallback_share,
                r.requests,
                r.error_rate,
                list(r.flags),
            ]
            for r in rows
        ],
    )
    return rows


def report_markdown(run_id: str, rows: Sequence[SourceHealth], failed: bool) -> str:
    """The health table as a Prefect markdown artifact."""
    flagged = [r for r in rows if r.flags]
    verdict = "FAILED" if failed else ("completed with warnings" if flagged else "healthy")
    lines = [
        f"# Health of run {run_id}: {verdict}",
        "",
        f"{len(flagged)} of {len(rows)} sources flagged.",
        "",
        "| source | seen | 14-night median | pages | failed | short | no date | no author | fallback | "
        "error rate | flags |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def show(value: float | None) -> str:
        return "–" if value is None else f"{value:g}"

    for r in sorted(rows, key=lambda r: (not r.flags, r.source_id)):
        lines.append(
            f"| {r.source_id} | {r.posts_found} | {show(r.trailing_median)} | {r.processed} | {r.failures} | "
            f"{show(r.short_share)} | {show(r.no_date_share)} | {show(r.no_author_share)} | "
            f"{show(r.fallback_share)} | {show(r.error_rate)} | {', '.join(r.flags) or 'ok'} |"
        )
    return "\n".join(lines) + "\n"
