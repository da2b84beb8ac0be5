"""WordPress: the REST API (``/wp-json/wp/v2/posts``), ``?paged=N`` feed pages and ``/wp-sitemap.xml``.

The API gives everything the harvest wants in one request per 100 posts: permalink, GMT dates,
title, rendered body, author and term names (with ``_embed=1``). Many sites switch it off
(security plugins answer 401/403/404, or an HTML page); then ``api_entries`` returns ``[]`` and
the caller reads the feed instead.
"""

from __future__ import annotations

import html as htmllib
from datetime import datetime
from urllib.parse import urljoin

from extract.discover import FeedEntry
from extract.platforms.feeds import Get, crossed, dir_url, load_json, parse_utc, plain_text, with_query

_TERM_TAXONOMIES = ("category", "post_tag")


def api_root(base_url: str) -> str:
    """The usual REST API root of a WordPress install at ``base_url`` (``<base>/wp-json/``)."""
    return urljoin(dir_url(base_url), "wp-json/")


def posts_url(root: str, *, page: int, per_page: int) -> str:
    """The posts endpoint under API ``root``; handles ``?rest_route=/`` roots (no pretty permalinks)."""
    params: dict[str, str | int] = {"per_page": per_page, "page": page, "_embed": 1}
    if "rest_route=" in root:
        return with_query(root, rest_route="/wp/v2/posts", **params)
    return with_query(urljoin(root if root.endswith("/") else root + "/", "wp/v2/posts"), **params)


def sitemap_url(base_url: str) -> str:
    """WordPress core's sitemap index (WordPress 5.5+): ``<base>/wp-sitemap.xml``."""
    return urljoin(dir_url(base_url), "wp-sitemap.xml")


def paged_feed_urls(feed_url: str, pages: int) -> list[str]:
    """The first ``pages`` pages of a WordPress feed: ``feed_url`` itself, then ``?paged=2`` ... ``?paged=N``."""
    return [feed_url] + [with_query(feed_url, paged=n) for n in range(2, pages + 1)]


def _text(value: object, key: str = "rendered") -> str | None:
    return value.get(key) if isinstance(value, dict) and isinstance(value.get(key), str) else None


def _entry(post: dict[str, object]) -> FeedEntry | None:
    link = post.get("link")
    if not isinstance(link, str) or not link:
        return None
    embedded = post.get("_embedded")
    embedded = embedded if isinstance(embedded, dict) else {}
    authors = [
        htmllib.unescape(a["name"])
        for a in embedded.get("author") or []
        if isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"]
    ]
    tags: list[str] = []
    for group in embedded.get("wp:term") or []:
        for term in group if isinstance(group, list) else []:
            if not isinstance(term, dict) or term.get("taxonomy") not in _TERM_TAXONOMIES:
                continue
            if isinstance(term.get("name"), str):
                name = htmllib.unescape(term["name"]).strip()
                if name and name not in tags:
                    tags.append(name)
    content = post.get("content")
    protected = isinstance(content, dict) and bool(content.get("protected"))
    body = None if protected else _text(content)
    return FeedEntry(
        url=link,
        title=plain_text(_text(post.get("title"))),
        author=", ".join(authors) or None,
        published=parse_utc(post.get("date_gmt")),
        updated=parse_utc(post.get("modified_gmt")),
        tags=tuple(tags),
        content_html=body or None,
        via="api",
        summary=plain_text(_text(post.get("excerpt"))),
    )


def _total_pages(headers: dict[str, str]) -> int | None:
    value = headers.get("x-wp-totalpages", "").strip()
    return int(value) if value.isdigit() else None


def api_entries(
    get: Get,
    base_url: str,
    *,
    since: datetime | None,
    max_pages: int,
    per_page: int = 100,
    api_root_url: str | None = None,
) -> list[FeedEntry]:
    """Posts from the REST API, newest first, reading pages until ``X-WP-TotalPages``, ``max_pages``
    or a page that reaches back before ``since`` (by publication date, the API's order).

    ``api_root_url`` is the root the homepage advertises (``detect.wordpress_api_root``); by
    default ``<base_url>/wp-json/``. Returns ``[]`` when the API is absent or refuses (non-JSON,
    an error object, a failed request); entries of pages already read are kept when a later page
    fails or answers 304. Never raises for a site's faults.
    """
    root = api_root_url or api_root(base_url)
    entries: list[FeedEntry] = []
    for page in range(1, max(1, max_pages) + 1):
        result = get(posts_url(root, page=page, per_page=per_page), "api")
        data = load_json(result)
        if result is None or not isinstance(data, list):
            break
        found = [e for e in (_entry(p) for p in data if isinstance(p, dict)) if e is not None]
        entries.extend(found)
        total = _total_pages(result.headers)
        last = page >= total if total is not None else len(data) < per_page
        if not found or last or crossed(found, since):
            break
    return entries
