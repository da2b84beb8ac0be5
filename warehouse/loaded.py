"""Loaded-language label rows: write them per model version, and read posts back for relabelling.

The nightly flow writes labels for the posts it stores (``warehouse.load.load_posts``);
``slant reclassify`` relabels stored posts with another model (``stored_posts`` then
``write_loaded_labels``). Writing a post's labels replaces only that post's rows of the same
model version, so every older version stays queryable.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from transform.labelling import CATEGORIES, LoadedLabels, StoredPost
from transform.segment import Sentence
from transform.voice import QuoteSpan, SentenceVoice

_TS = pa.timestamp("us", tz="UTC")
_LABEL_TABLES = ("sentence_scores", "loaded_spans", "post_scores")

SCORE_COLUMNS = (
    "post_id, model_version, loaded_score, loaded_sentence_share, n_sentences, n_spans, scored_at, loaded, "
    "loaded_share_author, loaded_share_quoted, n_sentences_author, n_sentences_quoted, n_spans_quoted, "
    + ", ".join(f"spans_{c}" for c in CATEGORIES)
)


@dataclass(frozen=True)
class PostLabels:
    """One post's loaded-language labels by one model version."""

    post_id: str
    model_version: str
    labels: LoadedLabels


def insert_arrow(con: duckdb.DuckDBPyConnection, table: str, columns: str, data: pa.Table) -> None:
    """``INSERT INTO table (columns)`` every row of an Arrow table (whose columns are in that order)."""
    if data.num_rows == 0:
        return
    con.register("_batch", data)
    try:
        con.execute(f"INSERT INTO {table} ({columns}) SELECT * FROM _batch")
    finally:
        con.unregister("_batch")


def _spans_table(items: Sequence[PostLabels]) -> pa.Table:
    rows = [(i.post_id, i.model_version, s) for i in items for s in i.labels.spans]
    return pa.table(
        {
            "post_id": pa.array([pid for pid, _, _ in rows], pa.string()),
            "sentence_no": pa.array([s.sentence_no for _, _, s in rows], pa.int32()),
            "start_char": pa.array([s.start for _, _, s in rows], pa.int32()),
            "end_char": pa.array([s.end for _, _, s in rows], pa.int32()),
            "text": pa.array([s.text for _, _, s in rows], pa.string()),
            "category": pa.array([s.category for _, _, s in rows], pa.string()),
            "score": pa.array([s.score for _, _, s in rows], pa.float64()),
            "model_version": pa.array([mv for _, mv, _ in rows], pa.string()),
            "is_quote": pa.array([s.is_quote for _, _, s in rows], pa.bool_()),
        }
    )


def _scores_table(items: Sequence[PostLabels], now: datetime) -> pa.Table:
    labels = [i.labels for i in items]
    columns: dict[str, pa.Array] = {
        "post_id": pa.array([i.post_id for i in items], pa.string()),
        "model_version": pa.array([i.model_version for i in items], pa.string()),
        "loaded_score": pa.array([x.post_score for x in labels], pa.float64()),
        "loaded_sentence_share": pa.array([x.loaded_share for x in labels], pa.float64()),
        "n_sentences": pa.array([len(x.scores) for x in labels], pa.int32()),
        "n_spans": pa.array([len(x.spans) for x in labels], pa.int32()),
        "scored_at": pa.array([now] * len(items), _TS),
        "loaded": pa.array([x.post_loaded for x in labels], pa.bool_()),
        "loaded_share_author": pa.array([x.share_author for x in labels], pa.float64()),
        "loaded_share_quoted": pa.array([x.share_quoted for x in labels], pa.float64()),
        "n_sentences_author": pa.array([x.n_author for x in labels], pa.int32()),
        "n_sentences_quoted": pa.array([x.n_quoted for x in labels], pa.int32()),
        "n_spans_quoted": pa.array([sum(s.is_quote for s in x.spans) for x in labels], pa.int32()),
    }
    counts = [x.span_counts() for x in labels]
    for category in CATEGORIES:
        columns[f"spans_{category}"] = pa.array([c[category] for c in counts], pa.int32())
    return pa.table(columns)


def _sentence_scores_table(items: Sequence[PostLabels]) -> pa.Table:
    rows = [
        (i.post_id, n, i.model_version, score, flag)
        for i in items
        for n, (score, flag) in enumerate(zip(i.labels.scores, i.labels.loaded, strict=True))
    ]
    return pa.table(
        {
            "post_id": pa.array([r[0] for r in rows], pa.string()),
            "sentence_no": pa.array([r[1] for r in rows], pa.int32()),
            "model_version": pa.array([r[2] for r in rows], pa.string()),
            "loaded_score": pa.array([r[3] for r in rows], pa.float64()),
            "loaded": pa.array([r[4] for r in rows], pa.bool_()),
        }
    )


def write_loaded_labels(
    con: duckdb.DuckDBPyConnection,
    items: Sequence[PostLabels],
    now: datetime,
    replace: Collection[str] | None = None,
) -> None:
    """Replace each post's rows of the same model version; other versions' rows are kept.

    ``replace``: the posts that can have such rows already (``load_posts`` passes its edited posts;
    a new post has none); None, every post in ``items``. Runs inside the caller's transaction
    (``load_posts``) or, called alone, as statements the caller wraps in one (``relabel_batch``).
    """
    if not items:
        return
    stored = None if replace is None else set(replace)
    for version in sorted({i.model_version for i in items}):
        ids = [i.post_id for i in items if i.model_version == version and (stored is None or i.post_id in stored)]
        if not ids:
            continue
        for table in _LABEL_TABLES:
            con.execute(
                f"DELETE FROM {table} WHERE model_version = ? AND post_id IN (SELECT unnest(?))", [version, ids]
            )
    insert_arrow(
        con,
        "sentence_scores",
        "post_id, sentence_no, model_version, loaded_score, loaded",
        _sentence_scores_table(items),
    )
    insert_arrow(
        con,
        "loaded_spans",
        "post_id, sentence_no, start_char, end_char, text, category, score, model_version, is_quote",
        _spans_table(items),
    )
    insert_arrow(con, "post_scores", SCORE_COLUMNS, _scores_table(items, now))


def relabel_batch(con: duckdb.DuckDBPyConnection, items: Sequence[PostLabels], now: datetime) -> None:
    """``write_loaded_labels`` in its own transaction: a batch is stored whole or not at all."""
    con.execute("BEGIN TRANSACTION")
    try:
        write_loaded_labels(con, items, now)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def register_model(
    con: duckdb.DuckDBPyConnection, version: str, task: str, path: Path, card: dict[str, object], now: datetime
) -> None:
    """Record a model in the ``models`` registry the first time it labels anything here."""
    con.execute(
        "INSERT INTO models (model_version, task, path, card, registered_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (model_version) DO NOTHING",
        [version, task, str(path), json.dumps(card, sort_keys=True), now],
    )


def stored_posts(
    con: duckdb.DuckDBPyConnection,
    *,
    batch_size: int,
    sources: Sequence[str] | None = None,
    skip_version: str | None = None,
) -> Iterator[list[StoredPost]]:
    """Live posts in ``post_id`` order, ``batch_size`` at a time, rebuilt from their stored rows.

    ``skip_version``: leave out posts that already have labels of that model version, so an
    interrupted relabelling resumes where it stopped. Pages are keyed by ``post_id`` (keyset
    pagination), so memory stays at one batch however large the warehouse.
    """
    after = ""
    while True:
        where = ["deleted_at IS NULL", "post_id > ?"]
        params: list[object] = [after]
        if sources is not None:
            where.append("source_id IN (SELECT unnest(?))")
            params.append(list(sources))
        if skip_version is not None:
            where.append("post_id NOT IN (SELECT post_id FROM post_scores WHERE model_version = ?)")
            params.append(skip_version)
        rows = con.execute(
            f"SELECT post_id, text FROM posts WHERE {' AND '.join(where)} ORDER BY post_id LIMIT ?",
            [*params, batch_size],
        ).fetchall()
        if not rows:
            return
        ids = [r[0] for r in rows]
        sentences: dict[str, list[tuple[Sentence, SentenceVoice]]] = {i: [] for i in ids}
        for pid, no, para, start, end, text, is_quote, speaker, voice, share in con.execute(
            "SELECT post_id, sentence_no, paragraph_no, start_char, end_char, text, is_quote, speaker, voice, "
            "quoted_share FROM sentences WHERE post_id IN (SELECT unnest(?)) ORDER BY post_id, sentence_no",
            [ids],
        ).fetchall():
            sentences[pid].append(
                (
                    Sentence(no, para, start, end, text, bool(is_quote)),
                    SentenceVoice(
                        no, voice or ("quoted" if is_quote else "author"), bool(is_quote), speaker, share or 0.0
                    ),
                )
            )
        quotes: dict[str, list[QuoteSpan]] = {i: [] for i in ids}
        for pid, start, end, speaker, how in con.execute(
            "SELECT post_id, start_char, end_char, speaker, how FROM quotes WHERE post_id IN (SELECT unnest(?)) "
            "ORDER BY post_id, quote_no",
            [ids],
        ).fetchall():
            quotes[pid].append(QuoteSpan(start, end, speaker, how))
        yield [
            StoredPost(
                pid,
                text,
                tuple(s for s, _ in sentences[pid]),
                tuple(v for _, v in sentences[pid]),
                tuple(quotes[pid]),
            )
            for pid, text in rows
        ]
        after = ids[-1]
