"""A source's leaning per month, from its posts' probabilities (the model's row in ``source_ratings``).

A single post says little about a blog (research note §5.1 step 8); many posts say more. The
monthly rating is the class with the highest mean log-probability over the month's posts (the
"mean log-odds" aggregate), so a run of confident posts outweighs a scatter of unsure ones, and
a month with fewer than ``MIN_POSTS`` posts gets no rating at all.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

MIN_POSTS = 3  # fewer posts than this in a month is too little to rate a source on
EPS = 1e-6  # keeps log(0) out of the mean when a post gives a class no probability


@dataclass(frozen=True)
class PostProbabilities:
    """One post's leaning probabilities, with its source and the month it was published in."""

    source_id: str
    published_at: datetime
    scores: dict[str, float]


@dataclass(frozen=True)
class MonthlyRating:
    """A source's rating for one calendar month: ``valid_from`` (inclusive) to ``valid_to`` (exclusive)."""

    source_id: str
    rating: str
    valid_from: datetime
    valid_to: datetime
    n_posts: int
    scores: dict[str, float]


def month_start(when: datetime) -> datetime:
    when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime(when.year, when.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    return datetime(start.year + (start.month == 12), start.month % 12 + 1, 1, tzinfo=UTC)


def monthly_ratings(posts: Iterable[PostProbabilities], labels: Sequence[str]) -> list[MonthlyRating]:
    """One rating per (source, month) with at least ``MIN_POSTS`` posts, ordered by source and month."""
    groups: dict[tuple[str, datetime], list[dict[str, float]]] = defaultdict(list)
    for post in posts:
        groups[(post.source_id, month_start(post.published_at))].append(post.scores)
    out: list[MonthlyRating] = []
    for (source_id, start), scores in sorted(groups.items()):
        if len(scores) < MIN_POSTS:
            continue
        mean_log = {lab: sum(math.log(max(s.get(lab, 0.0), EPS)) for s in scores) / len(scores) for lab in labels}
        top = max(mean_log.values())
        norm = sum(math.exp(v - top) for v in mean_log.values())
        probs = {lab: round(math.exp(v - top) / norm, 4) for lab, v in mean_log.items()}
        rating = max(probs, key=lambda k: probs[k])
        out.append(MonthlyRating(source_id, rating, start, next_month(start), len(scores), probs))
    return out
