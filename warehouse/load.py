"""Write a night's results into DuckDB: one transaction per batch, re-runs update, never duplicate.

Rows are handed to DuckDB as Arrow tables (one ``INSERT … SELECT`` per table per batch), which is
what keeps loading cheap. Posts are keyed by ``post_id``, derived from the canonical URL, so a
post reached again, through any URL, updates its row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import duckdb
import pyarrow as pa

from extract.archive import ArchiveRef
from extract.harvest import QUIET_404_ROLES, CacheHint, FetchRecord
from extract.sources import Source
from transform.collector import cyclic_gc_paused
from transform.dedup import NEAR_DUPLICATE_SIMILARITY, NUM_PERM
from transform.process import ProcessedPost
from warehouse.loaded import PostLabels, insert_arrow, write_loaded_labels
from warehouse.validate import Rejected

_TS = pa.timestamp("us", tz="UTC")
_URL_STATE = pa.schema(
    [
        ("url", pa.string()),
        ("source_id", pa.string()),
        ("role", pa.string()),
        ("etag", pa.string()),
        ("last_modified", pa.string()),
        ("fetched_at", _TS),
        ("last_checked_at", _TS),
        ("body", pa.string()),
    ]
)
_URL_STATE_COLUMNS = _URL_STATE.names

# The tables whose rows belong to one post and are written by ``load_posts`` (``clear_orphans``).
ORPHAN_TABLES = (
    "sentences",
    "quotes",
    "comments",
    "sentence_scores",
    "loaded_spans",
    "post_scores",
    "post_fingerprints",
    "post_bands",
    "post_duplicates",
)

# Before an edited post is overwritten, its current text becomes the next numbered version.
_KEEP_OLD_VERSIONS = """
INSERT INTO post_versions
SELECT p.post_id,
       coalesce((SELECT max(v.version_no) FROM post_versions v WHERE v.post_id = p.post_id), 0) + 1,
       p.title, p.text, p.text_sha256, p.updated_at, p.last_seen_run, ?, ?
FROM posts p WHERE p.post_id IN (SELECT unnest(?))
"""

# first_seen_run is written once, on insert; everything else follows the latest fetch.
_INSERT_POSTS = """
INSERT INTO posts (post_id, source_id, url, canonical_url, title, author, published_at, updated_at, tags,
                   language, text, text_sha256, word_count, first_seen_run, last_seen_run, deleted_at, authors,
                   text_source, extractor, access, metadata_sources)
SELECT post_id, source_id, url, canonical_url, title, author, published_at, updated_at, tags, language, text,
       text_sha256, word_count, run_id, run_id, NULL, authors, text_source, extractor, access, metadata_sources
FROM _posts
"""
# A batch with an edited post updates it in place; a batch of new posts only (most nights) inserts,
# which skips the conflict check on the primary key.
_UPSERT_POSTS = (
    _INSERT_POSTS
    + """ON CONFLICT (post_id) DO UPDATE SET
    url = excluded.url, title = excluded.title, author = excluded.author, published_at = excluded.published_at,
    updated_at = excluded.updated_at, tags = excluded.tags, language = excluded.language, text = excluded.text,
    text_sha256 = excluded.text_sha256, word_count = excluded.word_count, last_seen_run = excluded.last_seen_run,
    deleted_at = NULL, authors = excluded.authors, text_source = excluded.text_source, extractor = excluded.extractor,
    access = excluded.access, metadata_sources = excluded.metadata_sources

"""
)


# A batch asks for the id of each post once per stored row (sentences, quotes, comments): ~16,000
# hashes per batch of 250. A cache the size of several batches makes it one hash per post.
@lru_cache(maxsize=8192)
def post_id_for(canonical_url: str) -> str:
    """Stable id of a post: the first 16 hex digits of sha256 of its canonical URL."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class LoadCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert_sources(con: duckdb.DuckDBPyConnection, sources: Sequence[Source], now: datetime) -> None:
    """Insert new sources and refresh the descriptive fields of known ones (``added_at`` stays)."""
    rows = [
        (s.id, s.name, s.url, s.feed, s.platform, s.country, s.language, s.leaning, now, s.republish) for s in sources
    ]
    con.executemany(
        "INSERT INTO sources (source_id, name, url, feed_url, platform, country, language, leaning, added_at, "
        "republish) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_id) DO UPDATE SET "
        "name = excluded.name, url = excluded.url, feed_url = excluded.feed_url, platform = excluded.platform, "
        "country = excluded.country, language = excluded.language, leaning = excluded.leaning, "
        "republish = excluded.republish",
        rows,
    )


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow: str, code_version: str, started_at: datetime) -> None:
    con.execute(
        "INSERT INTO runs VALUES (?, ?, ?, NULL, 'running', ?, NULL) ON CONFLICT (run_id) DO NOTHING",
        [run_id, flow, started_at, code_version],
    )


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, stats: Mapping[str, object]) -> None:
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, stats = ? WHERE run_id = ?",
        [datetime.now(UTC), status, json.dumps(stats, default=str, sort_keys=True), run_id],
    )


def known_state(con: duckdb.DuckDBPyConnection, source_ids: Iterable[str]) -> dict[str, dict[str, CacheHint]]:
    """Validators of every URL fetched before, per source, for conditional requests."""
    ids = list(source_ids)
    state: dict[str, dict[str, CacheHint]] = {sid: {} for sid in ids}
    if not ids:
        return state
    rows = con.execute(
        "SELECT u.source_id, u.url, u.etag, u.last_modified, u.role, p.published_at, u.body, u.last_checked_at "
        "FROM url_state u "
        "LEFT JOIN posts p ON p.url = u.url AND p.deleted_at IS NULL "
        "WHERE u.source_id IN (SELECT unnest(?)) AND (u.role <> 'post' OR p.post_id IS NOT NULL)",
        [ids],
    ).fetchall()
    for source_id, url, etag, last_modified, role, published, body, checked_at in rows:
        state[source_id][url] = CacheHint(etag, last_modified, role, published, body, checked_at)

    return state


def log_fetches(con: duckdb.DuckDBPyConnection, run_id: str, records: Sequence[FetchRecord]) -> None:
    """Append ``records`` to ``fetch_log``."""
    if not records:
        return
    table = pa.table(
        {
            "run_id": pa.array([run_id] * len(records), pa.string()),
            "url": [r.url for r in records],
            "final_url": pa.array([r.final_url for r in records], pa.string()),
            "status_code": pa.array([r.status_code for r in records], pa.int32()),
            "bytes": pa.array([r.bytes for r in records], pa.int64()),
            "elapsed_ms": pa.array([r.elapsed_ms for r in records], pa.int32()),
            "fetched_at": pa.array([r.fetched_at for r in records], _TS),
            "not_modified": [r.not_modified for r in records],
            "error": pa.array([r.error for r in records], pa.string()),
            "source_id": [r.source_id for r in records],
            "role": [r.role for r in records],
            "error_kind": pa.array([r.error_kind for r in records], pa.string()),
            "warc_file": pa.array([r.archive.warc_file if r.archive else None for r in records], pa.string()),
            "warc_offset": pa.array([r.archive.offset if r.archive else None for r in records], pa.int64()),
            "warc_length": pa.array([r.archive.length if r.archive else None for r in records], pa.int64()),
        }
    )
    con.register("_fetch_batch", table)
    try:
        con.execute(
            "INSERT INTO fetch_log (run_id, url, final_url, status_code, bytes, elapsed_ms, fetched_at, "
            "not_modified, error, source_id, role, error_kind, warc_file, warc_offset, warc_length) "
            "SELECT * FROM _fetch_batch"
        )
    finally:
        con.unregister("_fetch_batch")


def save_url_state(con: duckdb.DuckDBPyConnection, records: Iterable[FetchRecord], roles: frozenset[str]) -> None:
    """Remember validators of successful fetches whose role is in ``roles``; 304s only move ``last_checked_at``."""
    fresh = [
        (r.url, r.source_id, r.role, r.etag, r.last_modified, r.fetched_at, r.fetched_at, r.text)
        for r in records
        if r.role in roles and r.error is None and not r.not_modified
    ]
    checked = [(r.fetched_at, r.url) for r in records if r.role in roles and r.not_modified]
    # Probes that found nothing (an API switched off, no sitemap) are remembered, so they are not
    # repeated every night (see extract.harvest.MISSING_RECHECK).
    missing = [
        (r.url, r.source_id, "missing", None, None, r.fetched_at, r.fetched_at, None)
        for r in records
        if r.role in roles and r.role in QUIET_404_ROLES and r.status_code == 404
    ]
    # One statement each, not one per row: DuckDB runs an executemany upsert at ~10 ms a row, which
    # made this most of a batch's load time. The last record of a URL wins, as it did row by row.
    rows = list({row[0]: row for row in fresh + missing}.values())
    if rows:
        columns = zip(*rows, strict=True)
        con.register("_url_state", pa.table(dict(zip(_URL_STATE_COLUMNS, columns, strict=True)), schema=_URL_STATE))
        try:
            con.execute(
                "INSERT INTO url_state (url, source_id, role, etag, last_modified, fetched_at, last_checked_at, body) "
                "SELECT * FROM _url_state ON CONFLICT (url) DO UPDATE SET role = excluded.role, "
                "etag = excluded.etag, "
                "last_modified = excluded.last_modified, fetched_at = excluded.fetched_at, "
                "last_checked_at = excluded.last_checked_at, body = excluded.body"
            )
        finally:
            con.unregister("_url_state")
    if checked:
        latest = {url: when for when, url in checked}
        con.register("_checked", pa.table({"url": list(latest), "at": pa.array(list(latest.values()), _TS)}))
        try:
            con.execute("UPDATE url_state SET last_checked_at = c.at FROM _checked c WHERE url_state.url = c.url")
        finally:
            con.unregister("_checked")


def _posts_table(posts: Sequence[ProcessedPost], run_id: str) -> pa.Table:
    return pa.table(
        {
            "post_id": [post_id_for(p.post.canonical_url) for p in posts],
            "source_id": [p.source_id for p in posts],
            "url": [p.url for p in posts],
            "canonical_url": [p.post.canonical_url for p in posts],
            "title": pa.array([p.post.title for p in posts], pa.string()),
            "author": pa.array([p.post.authors[0] if p.post.authors else None for p in posts], pa.string()),
            "published_at": pa.array([p.post.published_at for p in posts], _TS),
            "updated_at": pa.array([p.post.updated_at for p in posts], _TS),
            "tags": pa.array([list(p.post.tags) for p in posts], pa.list_(pa.string())),
            "language": pa.array([p.post.language for p in posts], pa.string()),
            "text": [p.text for p in posts],
            "text_sha256": [p.text_sha256 for p in posts],
            "word_count": pa.array([p.word_count for p in posts], pa.int32()),
            "run_id": [run_id] * len(posts),
            "authors": pa.array([list(p.post.authors) for p in posts], pa.list_(pa.string())),
            "text_source": [p.post.text_source for p in posts],
            "extractor": [p.post.extractor for p in posts],
            "access": pa.array([p.post.access for p in posts], pa.string()),
            "metadata_sources": pa.array([json.dumps(p.post.metadata_sources, sort_keys=True) for p in posts]),
        }
    )


def _sentences_table(posts: Sequence[ProcessedPost]) -> pa.Table:
    sentences = [s for p in posts for s in p.sentences]
    voices = [v for p in posts for v in p.voices]
    return pa.table(
        {
            "post_id": [post_id_for(p.post.canonical_url) for p in posts for _ in p.sentences],
            "sentence_no": pa.array([s.sentence_no for s in sentences], pa.int32()),
            "paragraph_no": pa.array([s.paragraph_no for s in sentences], pa.int32()),
            "start_char": pa.array([s.start for s in sentences], pa.int32()),
            "end_char": pa.array([s.end for s in sentences], pa.int32()),
            "text": pa.array([s.text for s in sentences], pa.string()),
            "is_quote": pa.array([v.is_quote for v in voices], pa.bool_()),
            "speaker": pa.array([v.speaker for v in voices], pa.string()),
            "voice": pa.array([v.voice for v in voices], pa.string()),
            "quoted_share": pa.array([v.quoted_share for v in voices], pa.float64()),
        }
    )


def _quotes_table(posts: Sequence[ProcessedPost]) -> pa.Table:
    rows = [(post_id_for(p.post.canonical_url), n, q) for p in posts for n, q in enumerate(p.quotes)]
    return pa.table(
        {
            "post_id": pa.array([pid for pid, _, _ in rows], pa.string()),
            "quote_no": pa.array([n for _, n, _ in rows], pa.int32()),
            "start_char": pa.array([q.start for _, _, q in rows], pa.int32()),
            "end_char": pa.array([q.end for _, _, q in rows], pa.int32()),
            "how": pa.array([q.how for _, _, q in rows], pa.string()),
            "speaker": pa.array([q.speaker for _, _, q in rows], pa.string()),
        }
    )


def _comments_table(posts: Sequence[ProcessedPost]) -> pa.Table:
    rows = [(post_id_for(p.post.canonical_url), n, c) for p in posts for n, c in enumerate(p.post.comments)]
    return pa.table(
        {
            "post_id": pa.array([pid for pid, _, _ in rows], pa.string()),
            "comment_no": pa.array([n for _, n, _ in rows], pa.int32()),
            "author": pa.array([c.author for _, _, c in rows], pa.string()),
            "published_at": pa.array([c.published_at for _, _, c in rows], _TS),
            "text": pa.array([c.text for _, _, c in rows], pa.string()),
        }
    )


def load_posts(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    posts: Sequence[ProcessedPost],
    records: Sequence[FetchRecord] = (),
) -> LoadCounts:
    """Upsert one batch of posts with their sentences, spans and scores, in one transaction.

    A post whose text is unchanged keeps its rows and only has ``last_seen_run`` moved on.
    ``records`` are the batch's fetches, whose validators are stored in the same transaction,
    so a crash can never leave a 304-able URL without its post.
    """
    with cyclic_gc_paused():  # building the Arrow columns allocates ~10^5 tuples (transform.collector)
        return _load_posts(con, run_id, posts, records)


def _load_posts(
    con: duckdb.DuckDBPyConnection, run_id: str, posts: Sequence[ProcessedPost], records: Sequence[FetchRecord]
) -> LoadCounts:
    by_id: dict[str, ProcessedPost] = {}
    for post in posts:
        by_id[post_id_for(post.post.canonical_url)] = post  # one row per canonical URL
    ids = list(by_id)
    con.execute("BEGIN TRANSACTION")
    try:
        stored = (
            dict(
                con.execute(
                    "SELECT post_id, text_sha256 FROM posts WHERE post_id IN (SELECT unnest(?))", [ids]
                ).fetchall()
            )
            if ids
            else {}
        )
        changed = [p for pid, p in by_id.items() if stored.get(pid) != p.text_sha256]
        same = [pid for pid, p in by_id.items() if stored.get(pid) == p.text_sha256]
        if same:
            con.execute(
                "UPDATE posts SET last_seen_run = ?, deleted_at = NULL WHERE post_id IN (SELECT unnest(?))",
                [run_id, same],
            )
        edited = [post_id_for(p.post.canonical_url) for p in changed if post_id_for(p.post.canonical_url) in stored]
        if edited:
            con.execute(_KEEP_OLD_VERSIONS, [run_id, datetime.now(UTC), edited])
        if changed:
            changed_ids = [post_id_for(p.post.canonical_url) for p in changed]
            con.register("_posts", _posts_table(changed, run_id))
            try:
                con.execute(_UPSERT_POSTS if edited else _INSERT_POSTS)
            finally:
                con.unregister("_posts")
            # Only edited posts have rows to replace: a new post has none, because the run swept the
            # rows of posts deleted out of band before its first batch (``clear_orphans``). Each
            # DELETE scans its whole table, so skipping them for new posts keeps a batch's cost flat
            # as the warehouse grows.
            for table in ("sentences", "quotes", "comments"):
                _delete_rows(con, table, edited)
            insert_arrow(
                con,
                "sentences",
                "post_id, sentence_no, paragraph_no, start_char, end_char, text, is_quote, "
                "speaker, voice, quoted_share",
                _sentences_table(changed),
            )
            insert_arrow(con, "quotes", "post_id, quote_no, start_char, end_char, how, speaker", _quotes_table(changed))
            write_loaded_labels(
                con,
                [PostLabels(post_id_for(p.post.canonical_url), p.model_version, p.labels) for p in changed],
                datetime.now(UTC),
                replace=edited,
            )
            insert_arrow(con, "comments", "post_id, comment_no, author, published_at, text", _comments_table(changed))
            _save_fingerprints(con, changed, edited)
            _link_duplicates(con, changed_ids, edited)
        save_url_state(con, records, frozenset({"post"}))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return LoadCounts(new=len(changed) - len(edited), updated=len(edited), unchanged=len(same))


def mark_seen(con: duckdb.DuckDBPyConnection, run_id: str, urls: Sequence[str]) -> int:
    """Move ``last_seen_run`` on for posts that answered 304 tonight; how many rows matched."""
    if not urls:
        return 0
    row = con.execute(
        "UPDATE posts SET last_seen_run = ? WHERE url IN (SELECT unnest(?)) RETURNING post_id", [run_id, list(urls)]
    ).fetchall()
    return len(row)


def mark_deleted(con: duckdb.DuckDBPyConnection, urls: Sequence[str], when: datetime) -> int:
    """Set ``deleted_at`` on stored posts whose URL now answers 404/410 (rows are kept)."""
    if not urls:
        return 0
    rows = con.execute(
        "UPDATE posts SET deleted_at = ? WHERE deleted_at IS NULL AND (url IN (SELECT unnest(?)) "
        "OR canonical_url IN (SELECT unnest(?))) RETURNING post_id",
        [when, list(urls), list(urls)],
    ).fetchall()
    return len(rows)


def live_posts(con: duckdb.DuckDBPyConnection, source_ids: Sequence[str]) -> int:
    """How many stored, not deleted, posts the sources have."""
    row = con.execute(
        "SELECT count(*) FROM posts WHERE deleted_at IS NULL AND source_id IN (SELECT unnest(?))", [list(source_ids)]
    ).fetchone()
    return int(row[0]) if row else 0


def _delete_rows(con: duckdb.DuckDBPyConnection, table: str, post_ids: Sequence[str]) -> None:
    if post_ids:
        con.execute(f"DELETE FROM {table} WHERE post_id IN (SELECT unnest(?))", [list(post_ids)])


def clear_orphans(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Delete the rows of posts that are no longer in ``posts``; the rows removed, per table.

    ``load_posts`` replaces rows only for posts already stored, so rows left behind by posts deleted
    out of band (a user clearing ``posts`` to rebuild it with ``slant reprocess``) would block the
    rebuild. Every run that loads posts calls this once before its first batch: one scan per table.
    """
    removed: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for table in ORPHAN_TABLES:
            orphan = "post_id NOT IN (SELECT post_id FROM posts)"
            if table == "post_duplicates":
                orphan += " OR duplicate_of NOT IN (SELECT post_id FROM posts)"
            row = con.execute(f"DELETE FROM {table} WHERE {orphan} RETURNING 1").fetchall()
            if row:
                removed[table] = len(row)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return removed


def _save_fingerprints(con: duckdb.DuckDBPyConnection, posts: Sequence[ProcessedPost], replace: Sequence[str]) -> None:
    ids = [post_id_for(p.post.canonical_url) for p in posts]
    _delete_rows(con, "post_fingerprints", replace)
    _delete_rows(con, "post_bands", replace)
    insert_arrow(
        con,
        "post_fingerprints",
        "post_id, signature",
        pa.table(
            {
                "post_id": ids,
                "signature": pa.array([list(p.fingerprint.signature) for p in posts], pa.list_(pa.uint64())),
            }
        ),
    )
    insert_arrow(
        con,
        "post_bands",
        "post_id, band, bucket",
        pa.table(
            {
                "post_id": [pid for pid, p in zip(ids, posts, strict=True) for _ in p.fingerprint.bands],
                "band": pa.array([band for p in posts for band in range(len(p.fingerprint.bands))], pa.int16()),
                "bucket": pa.array([bucket for p in posts for bucket in p.fingerprint.bands], pa.int64()),
            }
        ),
    )


_DUPLICATE_CANDIDATES = """
WITH pairs AS (
    SELECT DISTINCT least(a.post_id, b.post_id) AS x, greatest(a.post_id, b.post_id) AS y
    FROM post_bands a JOIN post_bands b ON a.band = b.band AND a.bucket = b.bucket AND a.post_id <> b.post_id
    WHERE a.post_id IN (SELECT unnest(?))
)
SELECT pairs.x, pairs.y, fx.signature, fy.signature, px.text_sha256 = py.text_sha256,
       px.published_at, py.published_at
FROM pairs
JOIN post_fingerprints fx ON fx.post_id = pairs.x JOIN post_fingerprints fy ON fy.post_id = pairs.y
JOIN posts px ON px.post_id = pairs.x JOIN posts py ON py.post_id = pairs.y
"""


def _link_duplicates(con: duckdb.DuckDBPyConnection, post_ids: Sequence[str], replace: Sequence[str]) -> None:
    """Re-link ``post_ids`` to their exact and near duplicates; the earlier-published post is the original.

    Only ``replace`` (the edited posts among them) can have links already."""
    if replace:
        con.execute(
            "DELETE FROM post_duplicates WHERE post_id IN (SELECT unnest(?)) OR duplicate_of IN (SELECT unnest(?))",
            [list(replace), list(replace)],
        )
    links = []
    far_future = datetime.max.replace(tzinfo=UTC)
    for x, y, sig_x, sig_y, same_text, pub_x, pub_y in con.execute(_DUPLICATE_CANDIDATES, [list(post_ids)]).fetchall():
        score = 1.0 if same_text else sum(a == b for a, b in zip(sig_x, sig_y, strict=True)) / NUM_PERM
        if score < NEAR_DUPLICATE_SIMILARITY:
            continue
        original, copy = sorted([(pub_x or far_future, x), (pub_y or far_future, y)])
        links.append((copy[1], original[1], round(score, 4), "exact" if same_text else "near"))
    if links:
        con.executemany("INSERT INTO post_duplicates VALUES (?, ?, ?, ?)", links)


def archived_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Ids of the runs that archived responses, oldest first."""
    rows = con.execute(
        "SELECT r.run_id FROM runs r WHERE EXISTS (SELECT 1 FROM fetch_log f WHERE f.run_id = r.run_id "
        "AND f.warc_file IS NOT NULL) ORDER BY r.started_at"
    ).fetchall()
    return [r[0] for r in rows]


def run_archive_refs(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, dict[str, tuple[str, ArchiveRef]]]:
    """Per source: requested URL -> (role, where its body lies) for one run's archived responses."""
    rows = con.execute(
        "SELECT source_id, url, role, warc_file, warc_offset, warc_length FROM fetch_log "
        "WHERE run_id = ? AND warc_file IS NOT NULL ORDER BY fetched_at",
        [run_id],
    ).fetchall()
    refs: dict[str, dict[str, tuple[str, ArchiveRef]]] = {}
    for source_id, url, role, warc_file, offset, length in rows:
        refs.setdefault(source_id, {})[url] = (role, ArchiveRef(warc_file, offset, length))
    return refs


def stored_sources(con: duckdb.DuckDBPyConnection) -> list[Source]:
    """Every source in the warehouse, as the sources file described it when last run."""
    rows = con.execute(
        "SELECT source_id, name, url, feed_url, platform, country, language, leaning FROM sources ORDER BY 1"
    ).fetchall()
    return [Source(*row) for row in rows]


def quarantine(con: duckdb.DuckDBPyConnection, run_id: str, rejected: Sequence[Rejected], now: datetime) -> None:
    """Keep posts that failed validation out of the tables, with the reason, for someone to look at."""
    if not rejected:
        return
    con.executemany(
        "INSERT INTO quarantine (run_id, source_id, url, table_name, reason, payload, quarantined_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            [
                run_id,
                r.post.source_id,
                r.post.url,
                r.table,
                r.reason,
                json.dumps(
                    {
                        "canonical_url": r.post.post.canonical_url,
                        "title": r.post.post.title,
                        "text_sha256": r.post.text_sha256,
                        "model_version": r.post.model_version,
                    }
                ),
                now,
            ]
            for r in rejected
        ],
    )


def abandon_stale_runs(con: duckdb.DuckDBPyConnection, now: datetime) -> list[str]:
    """Mark runs still 'running' as 'abandoned' (call only while holding the run lock); their ids."""
    rows = con.execute(
        "UPDATE runs SET status = 'abandoned', finished_at = ? WHERE status = 'running' RETURNING run_id", [now]
    ).fetchall()
    return [r[0] for r in rows]


def add_run_stats(con: duckdb.DuckDBPyConnection, run_id: str, extra: Mapping[str, object]) -> None:
    """Merge ``extra`` into a finished run's ``stats`` (e.g. the report written after the run)."""
    con.execute(
        "UPDATE runs SET stats = json_merge_patch(coalesce(stats, '{}'::JSON), ?::JSON) WHERE run_id = ?",
        [json.dumps(extra, default=str, sort_keys=True), run_id],
    )
