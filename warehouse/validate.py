"""The declared schema a post must meet before any of its rows is written.

``RULES`` lists, per table, what every row must satisfy: non-null keys, types the Arrow
tables would otherwise coerce silently, scores in 0–1, offsets inside the post text and
matching the stored text. A post that breaks a rule is held back with the reason (the
``quarantine`` table); the rest of its batch is written. One post per canonical URL is the
loader's own guarantee (``load_posts`` keys rows by ``post_id``), checked again here per batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from transform.process import ProcessedPost


@dataclass(frozen=True)
class Rejected:
    """A post that broke a rule: which table's rule, and why."""

    post: ProcessedPost
    table: str
    reason: str


def _unit(value: float) -> bool:
    return isinstance(value, float | int) and not math.isnan(value) and 0.0 <= value <= 1.0


def _posts(p: ProcessedPost) -> str | None:
    if not p.post.canonical_url or not p.post.canonical_url.startswith(("http://", "https://")):
        return f"canonical_url must be an http(s) URL, got {p.post.canonical_url!r}"
    if not p.text.strip():
        return "text is empty"
    if p.word_count < 0:
        return f"word_count must be >= 0, got {p.word_count}"
    if p.post.published_at is not None and p.post.published_at.tzinfo is None:
        return "published_at must be timezone-aware (UTC)"
    return None


def _sentences(p: ProcessedPost) -> str | None:
    if len(p.sentences) != len(p.voices):
        return f"{len(p.sentences)} sentences but {len(p.voices)} voices"
    for s in p.sentences:
        if not 0 <= s.start < s.end <= len(p.text):
            return f"sentence {s.sentence_no}: offsets {s.start}-{s.end} outside the text (length {len(p.text)})"
        if p.text[s.start : s.end] != s.text:
            return f"sentence {s.sentence_no}: text does not match the post text at {s.start}-{s.end}"
    return None


def _loaded(p: ProcessedPost) -> str | None:
    labels = p.labels
    if len(labels.scores) != len(p.sentences):
        return f"{len(labels.scores)} sentence scores for {len(p.sentences)} sentences"
    for name, value in (
        ("loaded_score", labels.post_score),
        ("loaded_share_author", labels.share_author),
        ("loaded_share_quoted", labels.share_quoted),
        *((f"sentence {n} score", v) for n, v in enumerate(labels.scores)),
    ):
        if not _unit(value):
            return f"{name} must be in 0-1, got {value!r}"
    for span in labels.spans:
        if not 0 <= span.start < span.end <= len(p.text) or p.text[span.start : span.end] != span.text:
            return f"span {span.text!r} at {span.start}-{span.end} does not match the post text"
        if not 0 <= span.sentence_no < len(p.sentences):
            return f"span {span.text!r} names sentence {span.sentence_no} of {len(p.sentences)}"
        if not _unit(span.score):
            return f"span {span.text!r}: score must be in 0-1, got {span.score!r}"
    if not p.model_version:
        return "model_version is empty"
    return None


RULES: tuple[tuple[str, Callable[[ProcessedPost], str | None]], ...] = (
    ("posts", _posts),
    ("sentences", _sentences),
    ("loaded_spans", _loaded),
)


def validate_batch(posts: Sequence[ProcessedPost]) -> tuple[list[ProcessedPost], list[Rejected]]:
    """Split a batch into the posts that meet every rule and those that do not (with the first broken rule)."""
    good: list[ProcessedPost] = []
    bad: list[Rejected] = []
    for post in posts:
        for table, rule in RULES:
            try:
                reason = rule(post)
            except Exception as exc:  # noqa: BLE001 - a rule that cannot even run is a broken row
                reason = f"check failed: {type(exc).__name__}: {exc}"
            if reason is not None:
                bad.append(Rejected(post, table, reason))
                break
        else:
            good.append(post)
    return good, bad
