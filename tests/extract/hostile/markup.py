"""Small text builders shared by the site modules: escaping, dates, bodies, sitemaps.

RSS and Atom documents come from the friendly blogosphere's ``flows.blogosphere.feeds`` (reused,
not modified); this module adds what the hostile sites need beyond it: sitemap indexes, plain
paragraph bodies, excerpts and WordPress/Substack date styles.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from datetime import UTC, datetime

from flows.blogosphere.feeds import Channel, FeedItem, atom, rss2, sitemap
from flows.blogosphere.fmt import attr, cdata, esc, iso, rfc822
from tests.extract.hostile.prose import Post

__all__ = [
    "Channel",
    "FeedItem",
    "atom",
    "attr",
    "body_html",
    "cdata",
    "esc",
    "excerpt",
    "gz",
    "iso",
    "long_date",
    "newest",
    "rfc822",
    "rss2",
    "sitemap",
    "sitemap_index",
    "wp_gmt",
    "zulu_ms",
]

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def body_html(paragraphs: Sequence[str], indent: str = "", cls: str = "") -> str:
    """Paragraphs as ``<p>`` elements, one per line."""
    attr_cls = f' class="{cls}"' if cls else ""
    return "\n".join(f"{indent}<p{attr_cls}>{esc(p)}</p>" for p in paragraphs)


def excerpt(post: Post, words: int = 30) -> str:
    """The first ``words`` words of ``post``, with an ellipsis when cut."""
    parts = post.text.split()
    return " ".join(parts[:words]) + (" […]" if len(parts) > words else "")


def newest(posts: Sequence[Post]) -> datetime:
    """The latest modification time among ``posts``."""
    return max(p.modified for p in posts)


def wp_gmt(moment: datetime) -> str:
    """WordPress ``date_gmt`` style: ``2026-11-02T09:00:00`` (UTC, no offset)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def zulu_ms(moment: datetime) -> str:
    """Substack/Ghost style: ``2026-11-03T12:00:00.000Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def long_date(moment: datetime) -> str:
    """``November 2, 2026``."""
    return f"{MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def sitemap_index(children: Sequence[tuple[str, datetime]]) -> str:
    """A sitemaps.org ``sitemapindex`` of ``(absolute URL, lastmod)`` pairs."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    out += [f"  <sitemap><loc>{esc(url)}</loc><lastmod>{iso(when)}</lastmod></sitemap>" for url, when in children]
    out += ["</sitemapindex>", ""]
    return "\n".join(out)


def gz(text: str) -> bytes:
    """``text`` as deterministic gzip bytes (mtime 0, no file name)."""
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
