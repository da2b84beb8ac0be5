"""Find a blog's posts: feed autodiscovery, RSS/Atom entries and sitemaps.

Parsing is left to libraries: feedparser for RSS/Atom (tolerant of the broken feeds real blogs
serve; ``bozo`` is not fatal while entries come out), defusedxml for sitemaps (no entity
expansion), BeautifulSoup for ``<link rel="alternate">``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser
from bs4 import BeautifulSoup
from defusedxml import ElementTree

from extract.errors import ParseError
from extract.xmlguard import screen_feed

_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/json")
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@dataclass(frozen=True)
class FeedEntry:
    """What a feed (or sitemap) says about one post before its page is fetched."""

    url: str
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    content_html: str | None = None
    via: str = "feed"
    access: str | None = None  # "public" | "paid" | None (not said); from Substack's audience
    summary: str | None = None  # plain-text excerpt or subtitle, when an API gives one


def find_feed_links(html: str, base_url: str) -> list[str]:
    """Feed URLs a page advertises with ``<link rel="alternate" type="...rss/atom...">``."""
    soup = BeautifulSoup(html, "html.parser")
    links: list[str] = []
    for link in soup.find_all("link", href=True):
        rel: list[str] | str = link.get("rel") or []
        rels = rel if isinstance(rel, list) else str(rel).split()
        kind = str(link.get("type", "")).lower()
        if "alternate" in [r.lower() for r in rels] and kind in _FEED_TYPES:
            url = urljoin(base_url, str(link["href"]))
            if url not in links and "/comments/" not in url:
                links.append(url)
    return links


def _when(parsed: object) -> datetime | None:
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


def parse_feed(body: bytes, url: str) -> list[FeedEntry]:
    """Entries of an RSS/Atom feed; raises ``ParseError`` when none can be read or it declares entities."""
    screen_feed(body, url)
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    entries: list[FeedEntry] = []
    for item in parsed.entries:
        link = item.get("link")
        if not link:
            continue
        content = item.get("content")
        entries.append(
            FeedEntry(
                url=urljoin(url, link),
                title=item.get("title"),
                author=item.get("author"),
                published=_when(dict.get(item, "published_parsed")),
                updated=_when(dict.get(item, "updated_parsed")),  # plain dict.get: no fallback to published
                tags=tuple(t.get("term") for t in item.get("tags", []) if t.get("term")),
                content_html=content[0].get("value") if content else None,
            )
        )
    if not entries and parsed.get("bozo"):
        raise ParseError(f"{url}: feed unreadable: {parsed.get('bozo_exception')}")
    return entries


def parse_sitemap(body: bytes, url: str) -> tuple[list[FeedEntry], list[str]]:
    """``(post entries, child sitemap URLs)`` of a sitemap or sitemap index."""
    try:
        root = ElementTree.fromstring(body)
    except Exception as exc:  # defusedxml raises several unrelated types
        raise ParseError(f"{url}: sitemap unreadable: {exc}") from exc
    entries: list[FeedEntry] = []
    children: list[str] = []
    tag = root.tag.removeprefix(_SITEMAP_NS)
    for node in root:
        loc = node.findtext(f"{_SITEMAP_NS}loc") or node.findtext("loc")
        if not loc:
            continue
        if tag == "sitemapindex":
            children.append(urljoin(url, loc.strip()))
            continue
        lastmod = node.findtext(f"{_SITEMAP_NS}lastmod") or node.findtext("lastmod")
        entries.append(FeedEntry(url=urljoin(url, loc.strip()), updated=_iso(lastmod), via="sitemap"))
    return entries, children


def _iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
