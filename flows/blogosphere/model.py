"""Data types of the sample blogosphere.

Two families live here: the *content* records read from ``content/*.json`` (``Blog``, ``Post``
and their parts), which know how a post changes from one simulated day to the next, and the
small *public* records handed to callers (``BlogSite``, ``SamplePost``, ``RequestRecord``).
Rendering and serving live elsewhere; this module only describes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a post body; ``quote`` marks text quoted from someone else."""

    text: str
    quote: bool = False


@dataclass(frozen=True)
class Comment:
    """A reader comment shown under a post (boilerplate an extractor must drop)."""

    author: str
    text: str


@dataclass(frozen=True)
class Edit:
    """A change made to a post on a later simulated day: paragraph ``paragraph`` becomes ``text``."""

    day: int
    modified: datetime
    paragraph: int
    text: str


@dataclass(frozen=True)
class Post:
    """A post as written, with the days on which it appears, changes or is deleted."""

    slug: str
    title: str
    author: str
    published: datetime
    modified: datetime
    tags: tuple[str, ...]
    paragraphs: tuple[Paragraph, ...]
    comments: tuple[Comment, ...] = ()
    day_added: int = 0
    day_deleted: int | None = None
    edits: tuple[Edit, ...] = ()

    def live_on(self, day: int) -> bool:
        """Whether the post is published (not yet, or no longer, absent) on ``day``."""
        return self.day_added <= day and not self.gone_on(day)

    def gone_on(self, day: int) -> bool:
        """Whether the post has been deleted by ``day`` (its URL then answers 410 Gone)."""
        return self.day_deleted is not None and day >= self.day_deleted

    def as_of(self, day: int) -> Post:
        """The post with every edit made up to and including ``day`` applied."""
        post = self
        for edit in sorted(self.edits, key=lambda e: e.day):
            if edit.day > day:
                continue
            paragraphs = list(post.paragraphs)
            paragraphs[edit.paragraph] = replace(paragraphs[edit.paragraph], text=edit.text)
            post = replace(post, paragraphs=tuple(paragraphs), modified=edit.modified)
        return post

    @property
    def word_count(self) -> int:
        """Words in the body, quotes included."""
        return sum(len(p.text.split()) for p in self.paragraphs)


@dataclass(frozen=True)
class Link:
    """A named external link (blogroll entry)."""

    name: str
    url: str


@dataclass(frozen=True)
class Blog:
    """One fictional blog: its identity, its theme's fixed bits and every post it will ever have."""

    id: str
    name: str
    tagline: str
    platform: str
    country: str
    language: str
    leaning: str
    feed_in_sources: bool
    about: tuple[str, ...]
    menu: tuple[str, ...]
    blogroll: tuple[Link, ...]
    posts: tuple[Post, ...]

    def live_posts(self, day: int) -> list[Post]:
        """Posts visible on ``day``, edits applied, newest first."""
        live = [p.as_of(day) for p in self.posts if p.live_on(day)]
        return sorted(live, key=lambda p: p.published, reverse=True)

    def gone_posts(self, day: int) -> list[Post]:
        """Posts deleted by ``day``."""
        return [p for p in self.posts if p.gone_on(day)]

    def earlier_posts(self, post: Post) -> list[Post]:
        """Every post ever published before ``post``, newest first, as first written.

        Sidebars and related-post lists are drawn from this so that an old page's bytes do not
        change when a newer post appears or another post is edited or deleted.
        """
        earlier = [p for p in self.posts if p.published < post.published]
        return sorted(earlier, key=lambda p: p.published, reverse=True)


@dataclass(frozen=True)
class BlogSite:
    """A running blog as a caller sees it: where it is and what a sources file says about it."""

    id: str
    name: str
    platform: str
    base_url: str
    feed_url: str | None
    country: str
    language: str
    leaning: str


@dataclass(frozen=True)
class SamplePost:
    """Ground truth for one live post, to compare an extractor's output against."""

    site_id: str
    url: str
    title: str
    author: str
    published: datetime
    tags: list[str]
    paragraphs: list[tuple[str, bool]]
    modified: datetime | None = None
    slug: str = ""


@dataclass(frozen=True)
class RequestRecord:
    """One request a blog server answered, for asserting on crawler politeness and caching."""

    site_id: str
    method: str
    path: str
    headers: dict[str, str] = field(hash=False)
    time: float
    status: int
