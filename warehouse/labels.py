"""Write stance and leaning labels (migration 0006's tables) for a batch of posts, in one transaction.

Rows are keyed by post and model version: writing a batch replaces the rows the same model
version wrote for the same posts before, and never touches another version's rows, so labels
of an older model stay queryable beside the new ones. ``target_mentions`` depend on the targets
file, not on a model, and are replaced per post.

``source_ratings`` is a slowly changing dimension: ``write_source_ratings`` keeps the ratings the
sources file supplies (a changed rating closes the current row and opens a new one), and
``refresh_model_ratings`` recomputes the model's monthly rating of each source from its posts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from extract.sources import Source
from transform.leaning.aggregate import PostProbabilities, monthly_ratings
from transform.leaning.model import LEANINGS, Leaning
from transform.stance.label import StanceLabels
from transform.targets import Target
from warehouse.loaded import register_model

RATER_MODEL = "slant"
RATER_SOURCES_FILE = "sources-file"  # rater name when the sources file gives a leaning without a rater
METHOD_SOURCES_FILE = "sources-file"


@dataclass(frozen=True)
class RegisteredModel:
    """A model as the ``models`` table records it."""

    version: str
    task: str  # loaded | stance | leaning
    path: str | None = None
    card: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PostOpinions:
    """The stance and leaning labels of one post (either may be missing)."""

    post_id: str
    stances: StanceLabels | None = None
    leaning: Leaning | None = None


def register(con: duckdb.DuckDBPyConnection, model: RegisteredModel, now: datetime) -> None:
    """Record ``model`` in ``models`` once (its first registration time stays)."""
    register_model(con, model.version, model.task, Path(model.path or ""), model.card, now)


def upsert_targets(con: duckdb.DuckDBPyConnection, targets: Sequence[Target], now: datetime) -> None:
    """Insert or refresh the targets as configured now."""
    rows = [
        (t.id, t.name, t.kind, list(t.aliases) + list(t.short_names), json.dumps(t.links_dict()), now) for t in targets
    ]
    if rows:
        con.executemany(
            "INSERT INTO targets VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (target) DO UPDATE SET "
            "name = excluded.name, kind = excluded.kind, aliases = excluded.aliases, links = excluded.links, "
            "updated_at = excluded.updated_at",
            rows,
        )


def write_labels(
    con: duckdb.DuckDBPyConnection,
    batch: Sequence[PostOpinions],
    *,
    targets: Sequence[Target] = (),
    stance_model: RegisteredModel | None = None,
    leaning_model: RegisteredModel | None = None,
    now: datetime | None = None,
) -> None:
    """Replace the batch's stance and leaning rows of these model versions, in one transaction."""
    when = now or datetime.now(UTC)
    ids = [b.post_id for b in batch]
    con.execute("BEGIN TRANSACTION")
    try:
        upsert_targets(con, targets, when)
        if stance_model is not None:
            register(con, stance_model, when)
            _write_stances(con, [b for b in batch if b.stances is not None], ids, stance_model.version, when)
        if leaning_model is not None:
            register(con, leaning_model, when)
            _write_leaning(con, [b for b in batch if b.leaning is not None], ids, leaning_model.version, when)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _write_stances(
    con: duckdb.DuckDBPyConnection, batch: Sequence[PostOpinions], ids: list[str], version: str, now: datetime
) -> None:
    if not ids:
        return
    con.execute("DELETE FROM target_mentions WHERE post_id IN (SELECT unnest(?))", [ids])
    for table in ("mention_stances", "stances"):
        con.execute(f"DELETE FROM {table} WHERE post_id IN (SELECT unnest(?)) AND model_version = ?", [ids, version])
    mentions: list[tuple[Any, ...]] = []
    scored: list[tuple[Any, ...]] = []
    stances: list[tuple[Any, ...]] = []
    for post in batch:
        assert post.stances is not None
        seen: set[tuple[int, str, int]] = set()
        for m in post.stances.mentions:
            key = (m.mention.sentence_no, m.mention.target, m.mention.start)
            if key in seen:
                continue
            seen.add(key)
            mentions.append(
                (
                    post.post_id,
                    m.mention.sentence_no,
                    m.mention.target,
                    m.mention.start,
                    m.mention.end,
                    m.mention.how,
                    m.is_quote,
                )
            )
            scored.append(
                (
                    post.post_id,
                    m.mention.sentence_no,
                    m.mention.target,
                    m.mention.start,
                    m.label,
                    m.p_favor,
                    m.p_against,
                    m.p_neither,
                    m.is_quote,
                    version,
                )
            )
        for s in post.stances.stances:
            stances.append(
                (
                    post.post_id,
                    s.target,
                    s.label,
                    s.confidence,
                    version,
                    list(s.evidence),
                    s.n_mentions,
                    s.p_favor,
                    s.p_against,
                    s.p_neither,
                    now,
                )
            )
    if mentions:
        con.executemany("INSERT INTO target_mentions VALUES (?, ?, ?, ?, ?, ?, ?)", mentions)
        con.executemany("INSERT INTO mention_stances VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", scored)
    if stances:
        con.executemany(
            "INSERT INTO stances (post_id, target, label, confidence, model_version, evidence, n_mentions, "
            "p_favor, p_against, p_neither, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            stances,
        )


def _write_leaning(
    con: duckdb.DuckDBPyConnection, batch: Sequence[PostOpinions], ids: list[str], version: str, now: datetime
) -> None:
    if not ids:
        return
    con.execute("DELETE FROM post_leaning WHERE post_id IN (SELECT unnest(?)) AND model_version = ?", [ids, version])
    rows = []
    for post in batch:
        assert post.leaning is not None
        p = post.leaning.scores
        rows.append(
            (
                post.post_id,
                version,
                post.leaning.label,
                p.get("left", 0.0),
                p.get("center", 0.0),
                p.get("right", 0.0),
                post.leaning.confidence,
                now,
            )
        )
    if rows:
        con.executemany("INSERT INTO post_leaning VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def write_source_ratings(con: duckdb.DuckDBPyConnection, sources: Sequence[Source], now: datetime) -> int:
    """Keep the sources file's ratings current; returns how many rows were opened.

    A source whose rating (or rater) is unchanged keeps its open row. A changed rating closes the
    open row at ``now`` and opens a new one, so the history of who rated a blog what, and when,
    stays queryable.
    """
    opened = 0
    for source in sources:
        if not source.leaning:
            continue
        rater = source.rater or RATER_SOURCES_FILE
        current = con.execute(
            "SELECT rating FROM source_ratings WHERE source_id = ? AND rater = ? AND method = ? AND valid_to IS NULL",
            [source.id, rater, METHOD_SOURCES_FILE],
        ).fetchall()
        if current and current[0][0] == source.leaning:
            continue
        con.execute(
            "UPDATE source_ratings SET valid_to = ? WHERE source_id = ? AND method = ? AND valid_to IS NULL",
            [now, source.id, METHOD_SOURCES_FILE],
        )
        con.execute(
            "INSERT INTO source_ratings VALUES (?, ?, ?, ?, ?, NULL)",
            [source.id, rater, source.leaning, METHOD_SOURCES_FILE, now],
        )
        opened += 1
    return opened


def refresh_model_ratings(
    con: duckdb.DuckDBPyConnection, model_version: str, source_ids: Sequence[str], now: datetime
) -> int:
    """Recompute the model's monthly rating of ``source_ids`` from their posts; returns rows written.

    A post's month is its publication date, else when it was first stored. The month in progress
    stays open (``valid_to`` NULL) until it ends.
    """
    ids = list(source_ids)
    if not ids:
        return 0
    rows = con.execute(
        "SELECT p.source_id, coalesce(p.published_at, r.started_at), l.p_left, l.p_center, l.p_right "
        "FROM post_leaning l JOIN posts p USING (post_id) LEFT JOIN runs r ON r.run_id = p.first_seen_run "
        "WHERE l.model_version = ? AND p.source_id IN (SELECT unnest(?)) AND p.deleted_at IS NULL",
        [model_version, ids],
    ).fetchall()
    posts = [
        PostProbabilities(source_id, when, {"left": pl, "center": pc, "right": pr})
        for source_id, when, pl, pc, pr in rows
        if when is not None
    ]
    method = f"model:{model_version}"
    ratings = monthly_ratings(posts, LEANINGS)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM source_ratings WHERE method = ? AND source_id IN (SELECT unnest(?))", [method, ids])
        for r in ratings:
            con.execute(
                "INSERT INTO source_ratings VALUES (?, ?, ?, ?, ?, ?)",
                [r.source_id, RATER_MODEL, r.rating, method, r.valid_from, r.valid_to if r.valid_to <= now else None],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(ratings)
