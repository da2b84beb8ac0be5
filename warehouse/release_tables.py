"""What a release holds: its tables, their columns with descriptions, keys, and the SQL that fills them.

The SQL reads the staging tables that ``warehouse.publish`` builds first, so takedowns, deleted
posts, the text policy and the newest-model rule are applied in one place:

- ``_rel_posts``: the posts that go out, with their effective ``text_policy`` and ``day``;
- ``_rel_loaded``: per post, the loaded-language model version the release carries;
- ``_rel_labelled``: the sentences that carry a label (a loaded span, a target mention, stance
  evidence), whose text an ``excerpt`` release keeps as the context of the label;
- ``_rel_settings``: the excerpt length and the release's own text policy.

Column descriptions feed the dataset card, ``croissant.json`` and ``datapackage.json`` alike.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    description: str


@dataclass(frozen=True)
class ReleaseTable:
    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    select: str  # ends in ORDER BY ALL: a total order, so the Parquet files are byte-identical run to run
    partition_by: tuple[str, ...] = ()
    # What diff-release compares for rows present in both releases; a difference is a relabel
    # (label tables) or a change (the others).
    compare: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _cols(*pairs: tuple[str, str]) -> tuple[Column, ...]:
    return tuple(Column(n, d) for n, d in pairs)


SOURCES = ReleaseTable(
    name="sources",
    description="One row per blog in the release.",
    key=("source_id",),
    columns=_cols(
        ("source_id", "slug from the sources file; posts.source_id points here"),
        ("name", "display name"),
        ("url", "homepage"),
        ("feed_url", "configured feed URL, null when it was discovered from the homepage"),
        ("platform", "wordpress, blogger, substack, ghost, medium, generic, or null when unknown"),
        ("country", "ISO 3166 alpha-2 country code"),
        ("language", "ISO 639-1 language code as configured"),
        ("leaning", "political leaning as labelled by the maintainers in the sources file"),
        ("added_at", "when the crawler first saw the source (UTC)"),
        ("republish", "false when the blog's text may not be republished (its posts carry no text)"),
        ("text_policy", "full, excerpt or none: how much of this source's post text the release carries"),
        ("posts", "number of this source's posts in the release"),
    ),
    select="""
SELECT s.source_id, s.name, s.url, s.feed_url, s.platform, s.country, s.language, s.leaning, s.added_at,
       coalesce(s.republish, true) AS republish,
       CASE WHEN s.republish IS FALSE THEN 'none' ELSE (SELECT text_policy FROM _rel_settings) END AS text_policy,
       (SELECT count(*) FROM _rel_posts p WHERE p.source_id = s.source_id) AS posts
FROM sources s
WHERE s.source_id NOT IN (SELECT source_id FROM _takedown_sources)
ORDER BY ALL
""",
    compare=("name", "url", "leaning", "republish", "text_policy"),
)

POSTS = ReleaseTable(
    name="posts",
    description="One row per live post (deleted and taken-down posts are left out), partitioned by year and month.",
    key=("post_id",),
    columns=_cols(
        ("post_id", "first 16 hex digits of sha256(canonical_url); stable across releases"),
        ("source_id", "the blog (sources.source_id)"),
        ("url", "URL the post was found under"),
        ("canonical_url", "normalised canonical URL (tracking parameters and fragment removed)"),
        ("title", "title; null under text_policy none (the author's words, and often the text's first line)"),
        ("author", "first author"),
        ("authors", "every author"),
        ("published_at", "publication time from the page metadata or the feed (UTC)"),
        ("updated_at", "last modification time, when the page says (UTC)"),
        ("tags", "tags and categories"),
        ("language", "detected ISO 639-1 language, null when unsure"),
        (
            "text",
            "main text (paragraphs separated by a blank line): whole under text_policy full, the first "
            "characters under excerpt, null under none; offsets in other tables point into the whole text",
        ),
        ("text_policy", "full, excerpt or none: what the text column holds for this post"),
        ("text_chars", "length of the whole text in characters (Unicode code points)"),
        ("text_sha256", "sha256 of the whole text, to check a re-hydrated text against"),
        ("word_count", "\\w+ tokens of the whole text"),
        ("text_source", "where the text was taken from: api, feed or page"),
        ("extractor", "extractor and version, e.g. trafilatura-2.3.1"),
        ("access", "public, paid, members, or null when unknown"),
        ("first_seen_run", "run id of the crawl that first stored the post"),
        ("last_seen_run", "run id of the last crawl that saw it"),
        ("duplicate_of", "post_id of the earlier original when this post is an exact or near copy, else null"),
        ("year", "UTC year of published_at (or of the first crawl when the page gave no date); partition"),
        ("month", "UTC month (1-12) of the same date; partition"),
    ),
    select="""
SELECT p.post_id, p.source_id, p.url, p.canonical_url,
       CASE WHEN p.text_policy = 'none' THEN NULL ELSE p.title END AS title,
       p.author, p.authors, p.published_at, p.updated_at,
       p.tags, p.language,
       CASE p.text_policy
           WHEN 'full' THEN p.text
           WHEN 'excerpt' THEN left(p.text, (SELECT excerpt_chars FROM _rel_settings))
       END AS text,
       p.text_policy, length(p.text)::INTEGER AS text_chars, p.text_sha256, p.word_count, p.text_source, p.extractor,
       p.access, p.first_seen_run, p.last_seen_run,
       (SELECT min(d.duplicate_of) FROM post_duplicates d WHERE d.post_id = p.post_id) AS duplicate_of,
       year(p.day)::INTEGER AS year, month(p.day)::INTEGER AS month
FROM _rel_posts p
ORDER BY ALL
""",
    partition_by=("year", "month"),
    compare=("text_sha256", "title", "published_at", "updated_at", "text_policy"),
)

SENTENCES = ReleaseTable(
    name="sentences",
    description="Every sentence of every post in the release, with its voice.",
    key=("post_id", "sentence_no"),
    columns=_cols(
        ("post_id", "the post"),
        ("sentence_no", "0-based, in text order"),
        ("paragraph_no", "0-based paragraph"),
        ("start_char", "offset of the first character in the post's whole text (0-based, code points)"),
        ("end_char", "offset one past the last character"),
        (
            "text",
            "the sentence: always under text_policy full, under excerpt only when the sentence carries a "
            "label (labelled), null under none",
        ),
        ("labelled", "the sentence holds a loaded-language span, a target mention or stance evidence"),
        ("is_quote", "someone else's words (a blockquote, or wholly inside quotation marks)"),
        ("voice", "author, quoted, or mixed (both in one sentence)"),
        ("speaker", "who is quoted, when found"),
        ("quoted_share", "share of the sentence's characters inside quotations"),
    ),
    select="""
SELECT s.post_id, s.sentence_no, s.paragraph_no, s.start_char, s.end_char,
       CASE p.text_policy
           WHEN 'full' THEN s.text
           WHEN 'excerpt' THEN CASE WHEN l.post_id IS NOT NULL THEN s.text END
       END AS text,
       l.post_id IS NOT NULL AS labelled,
       s.is_quote, s.voice, s.speaker, s.quoted_share
FROM sentences s
JOIN _rel_posts p ON p.post_id = s.post_id
LEFT JOIN _rel_labelled l ON l.post_id = s.post_id AND l.sentence_no = s.sentence_no
ORDER BY ALL
""",
    compare=("start_char", "end_char", "voice", "is_quote"),
)

LOADED_SPANS = ReleaseTable(
    name="loaded_spans",
    description="Loaded-language spans found by the newest model that scored each post.",
    key=("post_id", "start_char", "end_char", "category"),
    columns=_cols(
        ("post_id", "the post"),
        ("sentence_no", "the sentence holding the span"),
        ("start_char", "offset into the post's whole text"),
        ("end_char", "offset one past the span"),
        ("text", "the matched words; null under text_policy none"),
        ("category", "name_calling, emotive, exaggeration, dysphemism, doubt or scare_quotes"),
        ("score", "0-1 weight of the match"),
        ("is_quote", "inside a quoted passage (someone else's words)"),
        ("model_version", "the model that found it"),
    ),
    select="""
SELECT ls.post_id, ls.sentence_no, ls.start_char, ls.end_char,
       CASE WHEN p.text_policy = 'none' THEN NULL ELSE ls.text END AS text,
       ls.category, ls.score, ls.is_quote, ls.model_version
FROM loaded_spans ls
JOIN _rel_loaded v ON v.post_id = ls.post_id AND v.model_version = ls.model_version
JOIN _rel_posts p ON p.post_id = ls.post_id
ORDER BY ALL
""",
    compare=("score", "is_quote", "model_version"),
)

POST_SCORES = ReleaseTable(
    name="post_scores",
    description="Loaded language per post and voice, from the newest model that scored each post.",
    key=("post_id",),
    columns=_cols(
        ("post_id", "the post"),
        ("model_version", "the model that scored it"),
        ("loaded_score", "mean sentence score, 0-1"),
        ("loaded", "the post counts as loaded by the model's threshold"),
        ("loaded_sentence_share", "share of sentences the model counts as loaded"),
        ("loaded_share_author", "loaded share of the author's own sentences"),
        ("loaded_share_quoted", "loaded share of quoted sentences"),
        ("n_sentences", "sentences scored"),
        ("n_sentences_author", "sentences in the author's own voice"),
        ("n_sentences_quoted", "quoted sentences"),
        ("n_spans", "loaded spans found"),
        ("n_spans_quoted", "loaded spans inside quotations"),
        ("spans_name_calling", "spans of category name_calling"),
        ("spans_emotive", "spans of category emotive"),
        ("spans_exaggeration", "spans of category exaggeration"),
        ("spans_dysphemism", "spans of category dysphemism"),
        ("spans_scare_quotes", "spans of category scare_quotes"),
        ("spans_doubt", "spans of category doubt"),
        ("scored_at", "when it was scored (UTC)"),
    ),
    select="""
SELECT ps.post_id, ps.model_version, ps.loaded_score, ps.loaded, ps.loaded_sentence_share, ps.loaded_share_author,
       ps.loaded_share_quoted, ps.n_sentences, ps.n_sentences_author, ps.n_sentences_quoted, ps.n_spans,
       ps.n_spans_quoted, ps.spans_name_calling, ps.spans_emotive, ps.spans_exaggeration, ps.spans_dysphemism,
       ps.spans_scare_quotes, ps.spans_doubt, ps.scored_at
FROM post_scores ps
JOIN _rel_loaded v ON v.post_id = ps.post_id AND v.model_version = ps.model_version
ORDER BY ALL
""",
    compare=("model_version", "loaded_score", "loaded", "loaded_share_author", "loaded_share_quoted"),
)

STANCES = ReleaseTable(
    name="stances",
    description="Stance of each post toward each named target it mentions, from the newest stance model.",
    key=("post_id", "target"),
    columns=_cols(
        ("post_id", "the post"),
        ("target", "target id (the dataset card lists the targets)"),
        ("label", "favor, against or neither"),
        ("confidence", "0-1"),
        ("p_favor", "probability of favor"),
        ("p_against", "probability of against"),
        ("p_neither", "probability of neither"),
        ("n_mentions", "mentions of the target in the post"),
        ("evidence", "sentence numbers that decided the label"),
        ("model_version", "the model that labelled it"),
        ("scored_at", "when it was labelled (UTC)"),
    ),
    select="""
SELECT st.post_id, st.target, st.label, st.confidence, st.p_favor, st.p_against, st.p_neither, st.n_mentions,
       st.evidence, st.model_version, st.scored_at
FROM post_stances st
WHERE st.post_id IN (SELECT post_id FROM _rel_posts)
ORDER BY ALL
""",
    compare=("label", "model_version"),
)

RELEASE_TABLES: tuple[ReleaseTable, ...] = (SOURCES, POSTS, SENTENCES, LOADED_SPANS, POST_SCORES, STANCES)
LABEL_TABLES = frozenset({"loaded_spans", "post_scores", "stances"})


def release_table(name: str) -> ReleaseTable:
    """The table called ``name``."""
    for table in RELEASE_TABLES:
        if table.name == name:
            return table
    raise KeyError(name)
