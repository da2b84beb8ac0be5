"""Example queries shown after ``make demo`` and in the README; each answers a real question.

They read the views (``post_labels``, ``loaded_terms``), not the label tables: a warehouse that
``slant reclassify`` gave a second model keeps both versions' rows, and the views pick the newest
per post and leave deleted posts out, so every post counts once.
"""

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
        "SELECT title, round(loaded_score, 3) AS loaded_score, n_spans - n_spans_quoted AS author_spans, "
        "n_spans_quoted AS quoted_spans FROM post_labels ORDER BY loaded_score DESC, title LIMIT 5",
    ),
    (
        "Most frequent loaded terms by category",
        "SELECT category, term, uses, uses_author, uses_quoted, posts FROM loaded_terms "
        "ORDER BY uses DESC, term LIMIT 8",
    ),
)
