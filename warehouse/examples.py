"""Example queries shown after ``make demo`` and in the README; each answers a real question."""

from __future__ import annotations

EXAMPLE_QUERIES: tuple[tuple[str, str], ...] = (
    (
        "Posts and words per source",
        "SELECT s.name AS source, count(p.post_id) AS posts, sum(p.word_count) AS words, "
        "min(p.published_at)::DATE AS first_post, max(p.published_at)::DATE AS last_post "
        "FROM sources s LEFT JOIN posts p USING (source_id) WHERE p.deleted_at IS NULL "
        "GROUP BY s.name ORDER BY posts DESC",
    ),
    (
        "Most loaded posts, author voice vs quoted voice",
        "SELECT p.title, round(ps.loaded_score, 3) AS loaded_score, "
        "count(*) FILTER (WHERE NOT ls.is_quote) AS author_spans, "
        "count(*) FILTER (WHERE ls.is_quote) AS quoted_spans "
        "FROM posts p JOIN post_scores ps USING (post_id) LEFT JOIN loaded_spans ls "
        "ON ls.post_id = p.post_id AND ls.model_version = ps.model_version "
        "GROUP BY p.title, ps.loaded_score ORDER BY ps.loaded_score DESC LIMIT 5",
    ),
    (
        "Most frequent loaded terms by category",
        "SELECT category, lower(text) AS term, count(*) AS uses, count(DISTINCT post_id) AS posts "
        "FROM loaded_spans GROUP BY ALL ORDER BY uses DESC LIMIT 8",
    ),
)
