"""Post discovery per blogging platform: which index to read, in which order.

``PLATFORM_STRATEGIES`` is both the documentation and the plan ``index_entries`` follows. Each
platform lists steps; a step's ``when`` says whether it runs:

* ``first``: always, and it is the primary index;
* ``fallback``: only when every step before it yielded nothing (the API is switched off...);
* ``also``: always, its entries merged with the others;
* ``backfill``: only when backfilling (a first crawl of the blog);
* ``last_resort``: only when nothing else yielded a single entry.

Depth: a nightly (incremental) run reads only the first page of each API or feed, the newest
posts. A backfill walks pages until they reach back before ``since`` or ``max_pages`` pages.
Sitemap entries whose ``lastmod`` is before ``since`` are dropped in both modes.

Entries are deduplicated by canonical URL; on a clash the richer source wins (api > feed >
sitemap > links), and fields it lacks are filled in from the other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from extract.decode import decode_body
from extract.discover import FeedEntry, find_feed_links
from extract.fetch import FetchResult
from extract.platforms import blogger, substack, wordpress
from extract.platforms.detect import detect_platform, wordpress_api_root
from extract.platforms.feeds import (
    Get,
    dir_url,
    feed_entries,
    ghost_feed_url,
    medium_feed_url,
    sitemap_entries,
)
from extract.platforms.links import homepage_post_links
from extract.urls import canonical_url

__all__ = ["PLATFORM_STRATEGIES", "Get", "Step", "detect_platform", "index_entries"]

_RANK = {"api": 0, "feed": 1, "sitemap": 2, "links": 3}
_MAX_ADVERTISED_FEEDS = 3  # homepage <link rel=alternate> feeds tried, in order, until one yields


@dataclass(frozen=True)
class Step:
    """One index a platform is read from."""

    via: str  # "api" | "feed" | "sitemap" | "links": also the ``FeedEntry.via`` of what it yields
    reads: str  # what is fetched, for people
    when: str  # "first" | "fallback" | "also" | "backfill" | "last_resort" (see the module docstring)


PLATFORM_STRATEGIES: dict[str, tuple[Step, ...]] = {
    "wordpress": (
        Step("api", "REST API <root>/wp/v2/posts?_embed=1, root from the homepage's api.w.org link", "first"),
        Step("feed", "configured feed, else <base>/feed/; ?paged=N when backfilling", "fallback"),
        Step("sitemap", "robots.txt Sitemap lines, else <base>/wp-sitemap.xml (posts children only)", "backfill"),
    ),
    "blogger": (
        Step("api", "/feeds/posts/default?alt=json&start-index=&max-results=", "first"),
        Step("feed", "configured feed, else /feeds/posts/default (Atom, rel=next pages)", "fallback"),
    ),
    "substack": (
        Step("api", "/api/v1/archive?sort=new&offset=&limit= (+ /api/v1/posts/<slug> for bodies)", "first"),
        Step("feed", "configured feed, else /feed", "fallback"),
    ),
    "ghost": (Step("feed", "configured feed, else <base>/rss/; /rss/N/ when backfilling", "first"),),
    "medium": (Step("feed", "configured feed, else medium.com/feed/@user | /feed/<publication> | /feed", "first"),),
    "generic": (
        Step("feed", "configured feed, else the homepage's <link rel=alternate> feeds (first that yields)", "first"),
        Step("sitemap", "robots.txt Sitemap lines (passed in), else /sitemap.xml", "also"),
        Step("links", "post-like same-site links on the homepage", "last_resort"),
    ),
}


@dataclass
class _Run:
    """What one ``index_entries`` call needs while it walks the steps."""

    get: Get
    source_url: str
    feed_url: str | None
    platform: str
    since: datetime | None
    backfill: bool
    homepage: FetchResult | None
    sitemaps: Sequence[str]
    max_pages: int
    errors: list[str] | None
    homepage_fetched: bool = False

    @property
    def pages(self) -> int:
        return self.max_pages if self.backfill else 1

    def home(self) -> FetchResult | None:
        """The homepage, fetched at most once when the caller did not pass it."""
        if self.homepage is None and not self.homepage_fetched:
            self.homepage_fetched = True
            self.homepage = self.get(self.source_url, "homepage")
        return self.homepage

    def home_html(self) -> str | None:
        home = self.home()
        if home is None or home.not_modified or not home.body:
            return None
        return decode_body(home.body, home.content_type)

    def feed(self, url: str) -> list[FeedEntry]:
        return feed_entries(
            self.get,
            url,
            since=self.since,
            backfill_pages=self.pages - 1,
            platform=self.platform,
            errors=self.errors,
        )

    def sitemap(self, default: str) -> list[FeedEntry]:
        found: list[FeedEntry] = []
        for url in dict.fromkeys(self.sitemaps or [default]):
            found += sitemap_entries(self.get, url, since=self.since, errors=self.errors)
        return found


def _api(run: _Run) -> list[FeedEntry]:
    if run.platform == "wordpress":
        home = run.homepage  # only when the caller has it: no extra request just for the API root
        root = wordpress_api_root(home) if home is not None and not home.not_modified else None
        return wordpress.api_entries(run.get, run.source_url, since=run.since, max_pages=run.pages, api_root_url=root)
    if run.platform == "blogger":
        return blogger.api_entries(run.get, run.source_url, since=run.since, max_pages=run.pages)
    if run.platform == "substack":
        return substack.api_entries(run.get, run.source_url, since=run.since, max_pages=run.pages)
    return []


def _feed(run: _Run) -> list[FeedEntry]:
    if run.feed_url:
        return run.feed(run.feed_url)
    defaults = {
        "wordpress": lambda: urljoin(dir_url(run.source_url), "feed/"),
        "blogger": lambda: blogger.feed_url(run.source_url),
        "substack": lambda: substack.feed_url(run.source_url),
        "ghost": lambda: ghost_feed_url(run.source_url),
        "medium": lambda: medium_feed_url(run.source_url),
    }
    if run.platform in defaults:
        return run.feed(defaults[run.platform]())
    html = run.home_html()
    home = run.home()
    if html is None or home is None:
        return []
    for url in find_feed_links(html, home.final_url)[:_MAX_ADVERTISED_FEEDS]:
        found = run.feed(url)
        if found:
            return found
    return []


def _sitemap(run: _Run) -> list[FeedEntry]:
    if run.platform == "wordpress":
        return run.sitemap(wordpress.sitemap_url(run.source_url))
    return run.sitemap(urljoin(run.source_url, "/sitemap.xml"))


def _links(run: _Run) -> list[FeedEntry]:
    html = run.home_html()
    home = run.home()
    if html is None or home is None:
        return []
    return [FeedEntry(url=url, via="links") for url in homepage_post_links(html, home.final_url)]


_READERS = {"api": _api, "feed": _feed, "sitemap": _sitemap, "links": _links}


def _merge(winner: FeedEntry, other: FeedEntry) -> FeedEntry:
    """``winner`` with the fields it lacks taken from ``other``."""
    missing = {
        f.name: getattr(other, f.name)
        for f in dataclasses.fields(winner)
        if f.name not in ("url", "via") and getattr(winner, f.name) in (None, ()) and getattr(other, f.name)
    }
    return dataclasses.replace(winner, **missing) if missing else winner


def index_entries(
    get: Get,
    source_url: str,
    feed_url: str | None,
    platform: str | None,
    *,
    since: datetime | None,
    backfill: bool,
    homepage: FetchResult | None,
    sitemaps: Sequence[str] = (),
    max_pages: int = 50,
    errors: list[str] | None = None,
) -> tuple[list[FeedEntry], str]:
    """Post candidates of one blog and the platform they were read as.

    ``platform`` ``None`` means unknown: it is detected from ``homepage`` (fetched with role
    ``"homepage"`` if not passed); ``"generic"`` or an unknown name skips detection. ``sitemaps``
    are the robots.txt Sitemap lines the caller found. Problems that are not failed requests
    (a refused feed, a gzip bomb) are appended to ``errors``; nothing raises for a site's faults.
    """
    unchanged: list[str] = []

    def watched(url: str, role: str) -> FetchResult | None:
        result = get(url, role)
        if result is not None and result.not_modified and role != "homepage":
            unchanged.append(url)  # an index that has not changed: nothing new, but not "nothing there"
        return result

    run = _Run(
        watched, source_url, feed_url, platform or "generic", since, backfill, homepage, sitemaps, max_pages, errors
    )
    if platform is None:
        home = run.home()
        detected = detect_platform(home) if home is not None and not home.not_modified else None
        run.platform = detected or "generic"
    if run.platform not in PLATFORM_STRATEGIES:
        run.platform = "generic"
    merged: dict[str, FeedEntry] = {}
    home_key = canonical_url(source_url)
    primary_found = False
    for step in PLATFORM_STRATEGIES[run.platform]:
        if (
            (step.when == "fallback" and primary_found)
            or (step.when == "backfill" and not backfill)
            or (step.when == "last_resort" and (merged or unchanged))
        ):
            continue
        answered_304 = len(unchanged)
        found = _READERS[step.via](run)
        if step.when in ("first", "fallback") and (found or len(unchanged) > answered_304):
            primary_found = True  # a 304 is "nothing new here", not "nothing here": no fallback

        for entry in found:
            key = canonical_url(entry.url)
            if key == home_key:
                continue
            held = merged.get(key)
            if held is None:
                merged[key] = entry
            elif _RANK.get(entry.via, 9) < _RANK.get(held.via, 9):
                merged[key] = _merge(entry, held)
            else:
                merged[key] = _merge(held, entry)
    return list(merged.values()), run.platform
