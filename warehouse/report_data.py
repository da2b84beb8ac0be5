"""The numbers behind ``slant report``: one query per chart or table, over the analytical views.

Every query is plain SQL text with the window's values written in as literals (dates as
``DATE '…'``, ids as quoted strings), so the text shown under a chart is exactly the text that
was run and can be pasted into ``slant sql`` as it stands. Everything is aggregated here (per
week, per source and target, the top terms per category), never shipped as rows: the page stays
small whatever the size of the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from extract.errors import WarehouseError

# The views this module reads (migration 0008); an older warehouse is told to migrate.
VIEWS = ("post_labels", "post_stances", "source_daily", "label_versions", "run_health")
# Tables the report reads beyond the core ones of migration 0001.
TABLES = ("source_health", "source_ratings", "targets", "post_leaning")
# Terms shown per category: the eighth-commonest term is already rare in a month of blogs, and
# more than eight lines in one small chart cannot be told apart.
TOP_TERMS = 8
# Run health covers the nights of the last two weeks, as the issue asks: long enough to see a
# weekly pattern (weekend quiet) and a slow decline, short enough to read each night.
RUN_NIGHTS = 14
# "This month" in the per-source table: the last 28 days of the window against the 28 before
# (four whole weeks each, so both halves hold the same weekdays).
RECENT_DAYS = 28


def literal(value: str) -> str:
    """``value`` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _indented(clause: str) -> str:
    """A clause placed inside a CTE, one level in."""
    return clause.replace("\n", "\n    ")


def _tidy(sql: str) -> str:
    """Drop the blank lines an empty window leaves and trailing spaces, so the shown text reads cleanly."""
    return "\n".join(line.rstrip() for line in sql.splitlines() if line.strip())


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(literal(v) for v in values)})"


@dataclass(frozen=True)
class Window:
    """What the report covers: posts from ``since`` on (UTC days), of these sources, about these targets.

    Empty ``sources`` or ``targets`` mean all of them.
    """

    since: date | None = None
    sources: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()

    def conditions(self, *, day: str | None = "day", source: str = "source_id", target: str | None = None) -> list[str]:
        """SQL conditions on the named columns (``day=None``: no date condition)."""
        found = []
        if day is not None and self.since is not None:
            found.append(f"{day} >= DATE '{self.since.isoformat()}'")
        if self.sources:
            found.append(_in(source, self.sources))
        if target is not None and self.targets:
            found.append(_in(target, self.targets))
        return found

    def where(self, *, day: str | None = "day", source: str = "source_id", target: str | None = None) -> str:
        """``WHERE …`` for the window (empty when it covers everything)."""
        found = self.conditions(day=day, source=source, target=target)
        return "WHERE " + "\n  AND ".join(found) if found else ""

    def describe(self) -> str:
        parts = [f"since {self.since.isoformat()}" if self.since else "all dates"]
        parts.append("sources: " + ", ".join(self.sources) if self.sources else "all sources")
        parts.append("targets: " + ", ".join(self.targets) if self.targets else "all targets")
        return "; ".join(parts)


@dataclass(frozen=True)
class Table:
    """One query's text and its result."""

    sql: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class ReportData:
    """Every table the report shows, for one window."""

    window: Window
    overview: Table
    models: Table
    posts_weekly: Table
    loaded_weekly: Table
    stance_weekly: Table
    stance_matrix: Table
    targets: Table
    top_terms: Table
    term_trend: Table
    sources: Table
    runs: Table
    stance_labels_total: int
    unknown_sources: tuple[str, ...] = field(default=())
    unknown_targets: tuple[str, ...] = field(default=())


def run(con: duckdb.DuckDBPyConnection, sql: str) -> Table:
    """Execute ``sql`` and keep its text with the result."""
    try:
        cursor = con.execute(sql)
    except duckdb.Error as exc:
        raise WarehouseError(f"report query failed: {exc}\n{sql}") from exc
    columns = tuple(d[0] for d in cursor.description or [])
    return Table(sql, columns, tuple(cursor.fetchall()))


def require_views(con: duckdb.DuckDBPyConnection) -> None:
    """Raise ``WarehouseError`` when the warehouse predates the views and tables the report reads."""
    names = {row[0] for row in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    names |= {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    missing = [v for v in (*VIEWS, *TABLES) if v not in names]
    if missing:
        raise WarehouseError(
            f"the warehouse has no {', '.join(missing)} (an older schema); "
            "run `slant migrate --db PATH` once, then render the report again"
        )


def overview_sql(window: Window) -> str:
    return _tidy(f"""SELECT count(*) AS posts,
       count(DISTINCT source_id) AS sources_with_posts,
       (SELECT count(*) FROM sources{" " + window.where(day=None) if window.sources else ""}) AS sources_known,
       min(day) AS first_day,
       max(day) AS last_day,
       sum(word_count) AS words,
       count(loaded_model_version) AS scored_posts,
       count(*) FILTER (WHERE loaded) AS loaded_posts,
       sum(round(loaded_sentence_share * n_sentences)) / nullif(sum(n_sentences), 0) AS loaded_sentence_share
FROM post_labels
{window.where()}""")


def models_sql() -> str:
    return _tidy("""SELECT task, model_version, version_at AT TIME ZONE 'UTC' AS version_utc, n_rows,
       recency = 1 AS newest
FROM label_versions
ORDER BY task, recency""")


def posts_weekly_sql(window: Window) -> str:
    return _tidy(f"""SELECT source_id,
       date_trunc('week', day)::DATE AS week,
       sum(posts) AS posts,
       sum(words) AS words
FROM source_daily
{window.where()}
GROUP BY ALL
ORDER BY source_id, week""")


def loaded_weekly_sql(window: Window) -> str:
    return _tidy(f"""-- Share of sentences the model calls loaded, per source and ISO week (Monday), each voice apart.
SELECT source_id,
       date_trunc('week', day)::DATE AS week,
       sum(posts) AS posts,
       sum(sentences_author) AS sentences_author,
       sum(loaded_sentences_author) AS loaded_author,
       sum(loaded_sentences_author) / nullif(sum(sentences_author), 0) AS share_author,
       sum(sentences_quoted) AS sentences_quoted,
       sum(loaded_sentences_quoted) AS loaded_quoted,
       sum(loaded_sentences_quoted) / nullif(sum(sentences_quoted), 0) AS share_quoted
FROM source_daily
{window.where()}
GROUP BY ALL
ORDER BY source_id, week""")


def stance_weekly_sql(window: Window) -> str:
    return _tidy(f"""-- Posts per target and ISO week by their newest stance label; net = (favor - against) / posts.
SELECT target,
       coalesce(any_value(target_name), target) AS target_name,
       date_trunc('week', day)::DATE AS week,
       count(*) AS posts,
       count(*) FILTER (WHERE label = 'favor') AS favor,
       count(*) FILTER (WHERE label = 'against') AS against,
       count(*) FILTER (WHERE label = 'neither') AS neither,
       (count(*) FILTER (WHERE label = 'favor') - count(*) FILTER (WHERE label = 'against')) / count(*) AS net
FROM post_stances
{window.where(target="target")}
GROUP BY target, week
ORDER BY target, week""")


def stance_matrix_sql(window: Window) -> str:
    return _tidy(f"""-- Posts per source and target by their newest stance label; net = (favor - against) / posts.
SELECT source_id,
       target,
       coalesce(any_value(target_name), target) AS target_name,
       count(*) AS posts,
       count(*) FILTER (WHERE label = 'favor') AS favor,
       count(*) FILTER (WHERE label = 'against') AS against,
       count(*) FILTER (WHERE label = 'neither') AS neither,
       (count(*) FILTER (WHERE label = 'favor') - count(*) FILTER (WHERE label = 'against')) / count(*) AS net
FROM post_stances
{window.where(target="target")}
GROUP BY source_id, target
ORDER BY source_id, target""")


def targets_sql(window: Window) -> str:
    on = "".join(f"\n       AND {c}" for c in window.conditions(day="ps.day", source="ps.source_id"))
    chosen = f"\nWHERE {_in('k.target', window.targets)}" if window.targets else ""
    return _tidy(f"""-- Every configured or labelled target and how many posts in the window carry a stance on it.
WITH known AS (
    SELECT target FROM targets
    UNION
    SELECT DISTINCT target FROM stances
)
SELECT k.target,
       coalesce(t.name, k.target) AS target_name,
       t.kind,
       count(ps.post_id) AS posts
FROM known k
LEFT JOIN targets t ON t.target = k.target
LEFT JOIN post_stances ps ON ps.target = k.target{on}{chosen}
GROUP BY ALL
ORDER BY posts DESC, k.target""")


def _spans_cte(window: Window) -> str:
    where = window.where(day="pl.day", source="pl.source_id")
    return _tidy(f"""WITH spans AS (
    -- loaded spans of the newest loaded-language model of each live post, terms normalised as in loaded_terms
    SELECT lower(regexp_replace(trim(ls.text), '\\s+', ' ', 'g')) AS term,
           ls.category,
           coalesce(ls.is_quote, false) AS is_quote,
           pl.source_id,
           pl.day
    FROM loaded_spans ls
    JOIN post_labels pl ON pl.post_id = ls.post_id AND pl.loaded_model_version = ls.model_version
    {_indented(where)}
), ranked AS (
    SELECT category,
           term,
           count(*) AS uses,
           count(*) FILTER (WHERE NOT is_quote) AS uses_author,
           count(*) FILTER (WHERE is_quote) AS uses_quoted,
           count(DISTINCT source_id) AS sources,
           min(day) AS first_seen,
           max(day) AS last_seen,
           row_number() OVER (PARTITION BY category ORDER BY count(*) DESC, term) AS rank
    FROM spans
    GROUP BY category, term
)""")


def top_terms_sql(window: Window, top: int = TOP_TERMS) -> str:
    return _tidy(f"""{_spans_cte(window)}
SELECT category, rank, term, uses, uses_author, uses_quoted, sources, first_seen, last_seen
FROM ranked
WHERE rank <= {int(top)}
ORDER BY category, rank""")


def term_trend_sql(window: Window, top: int = TOP_TERMS) -> str:
    return _tidy(f"""{_spans_cte(window)}
SELECT s.category,
       s.term,
       date_trunc('week', s.day)::DATE AS week,
       count(*) AS uses,
       count(DISTINCT s.source_id) AS sources
FROM spans s
JOIN ranked r ON r.category = s.category AND r.term = s.term AND r.rank <= {int(top)}
GROUP BY ALL
ORDER BY s.category, s.term, week""")


def sources_sql(window: Window, recent_days: int = RECENT_DAYS) -> str:
    where = window.where()
    chosen = f"\nWHERE {_in('k.source_id', window.sources)}" if window.sources else ""
    days = int(recent_days)
    return _tidy(f"""WITH window_posts AS (
    SELECT source_id,
           count(*) AS posts,
           sum(word_count) AS words,
           count(leaning_model_version) AS leaning_posts,
           avg(p_left) AS p_left,
           avg(p_center) AS p_center,
           avg(p_right) AS p_right
    FROM post_labels
    {_indented(where)}
    GROUP BY source_id
), window_days AS (
    SELECT * FROM source_daily
    {_indented(where)}
), last AS (
    SELECT max(day) AS last_day FROM window_days
), loaded AS (
    -- shares over sentences (a long post weighs more than a short one), as in source_daily
    SELECT source_id,
           sum(loaded_sentences) / nullif(sum(sentences), 0) AS loaded_share,
           sum(loaded_sentences_author) / nullif(sum(sentences_author), 0) AS loaded_share_author,
           sum(loaded_sentences_quoted) / nullif(sum(sentences_quoted), 0) AS loaded_share_quoted,
           -- the author's own voice in the last {days} days of the window and in the {days} before
           sum(loaded_sentences_author) FILTER (WHERE day > last_day - {days})
               / nullif(sum(sentences_author) FILTER (WHERE day > last_day - {days}), 0) AS author_recent,
           sum(loaded_sentences_author) FILTER (WHERE day <= last_day - {days} AND day > last_day - {2 * days})
               / nullif(sum(sentences_author) FILTER (WHERE day <= last_day - {days}
                                                      AND day > last_day - {2 * days}), 0) AS author_before
    FROM window_days, last
    GROUP BY source_id
), ratings AS (
    SELECT source_id, string_agg(rater || ': ' || rating, '; ' ORDER BY rater) AS ratings
    FROM source_ratings
    WHERE valid_to IS NULL
    GROUP BY source_id
), known AS (
    SELECT source_id FROM sources
    UNION
    SELECT DISTINCT source_id FROM post_labels
)
SELECT k.source_id,
       coalesce(s.name, k.source_id) AS name,
       coalesce(p.posts, 0) AS posts,
       coalesce(p.words, 0) AS words,
       l.loaded_share,
       l.loaded_share_author,
       l.loaded_share_quoted,
       l.author_recent,
       l.author_before,
       s.leaning AS leaning_label,
       r.ratings,
       coalesce(p.leaning_posts, 0) AS leaning_posts,
       CASE WHEN p.leaning_posts = 0 OR p.leaning_posts IS NULL THEN NULL
            WHEN p.p_left >= p.p_center AND p.p_left >= p.p_right THEN 'left'
            WHEN p.p_right >= p.p_center THEN 'right'
            ELSE 'center' END AS model_leaning,
       p.p_left,
       p.p_center,
       p.p_right
FROM known k
LEFT JOIN sources s ON s.source_id = k.source_id
LEFT JOIN window_posts p ON p.source_id = k.source_id
LEFT JOIN loaded l ON l.source_id = k.source_id
LEFT JOIN ratings r ON r.source_id = k.source_id{chosen}
ORDER BY posts DESC, k.source_id""")


def runs_sql(nights: int = RUN_NIGHTS) -> str:
    return _tidy(f"""-- Nightly runs of the last {int(nights)} nights (UTC), counted back from the latest one,
-- with the sources their health gates flagged.
WITH flagged AS (
    SELECT run_id,
           count(*) FILTER (WHERE len(flags) > 0) AS flagged_sources,
           string_agg(source_id || ' (' || array_to_string(flags, ', ') || ')', '; ' ORDER BY source_id)
               FILTER (WHERE len(flags) > 0) AS flagged
    FROM source_health
    GROUP BY run_id
)
SELECT h.run_id,
       h.status,
       h.started_at AT TIME ZONE 'UTC' AS started_utc,
       round(h.duration_s, 1) AS duration_s,
       h.requests,
       h.not_modified,
       h.errors,
       h.posts_new,
       h.posts_updated,
       h.posts_deleted,
       h.extraction_failures,
       h.hosts_given_up,
       coalesce(f.flagged_sources, 0) AS flagged_sources,
       f.flagged
FROM run_health h
LEFT JOIN flagged f ON f.run_id = h.run_id
WHERE h.flow = 'nightly'
  AND (h.started_at AT TIME ZONE 'UTC')::DATE
      > (SELECT max((started_at AT TIME ZONE 'UTC')::DATE) FROM run_health WHERE flow = 'nightly') - {int(nights)}
ORDER BY h.started_at""")


def _missing(con: duckdb.DuckDBPyConnection, table: str, column: str, wanted: tuple[str, ...]) -> tuple[str, ...]:
    if not wanted:
        return ()
    present = {row[0] for row in con.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()}
    return tuple(v for v in wanted if v not in present)


def report_data(con: duckdb.DuckDBPyConnection, window: Window) -> ReportData:
    """Run every query of the report for ``window``."""
    require_views(con)
    stance_row = con.execute("SELECT count(*) FROM stances").fetchone()
    known_sources = "(SELECT source_id FROM sources UNION SELECT source_id FROM posts)"
    known_targets = "(SELECT target FROM targets UNION SELECT target FROM stances)"
    return ReportData(
        window=window,
        overview=run(con, overview_sql(window)),
        models=run(con, models_sql()),
        posts_weekly=run(con, posts_weekly_sql(window)),
        loaded_weekly=run(con, loaded_weekly_sql(window)),
        stance_weekly=run(con, stance_weekly_sql(window)),
        stance_matrix=run(con, stance_matrix_sql(window)),
        targets=run(con, targets_sql(window)),
        top_terms=run(con, top_terms_sql(window)),
        term_trend=run(con, term_trend_sql(window)),
        sources=run(con, sources_sql(window)),
        runs=run(con, runs_sql()),
        stance_labels_total=int(stance_row[0]) if stance_row else 0,
        unknown_sources=_missing(con, known_sources, "source_id", window.sources),
        unknown_targets=_missing(con, known_targets, "target", window.targets),
    )
