"""Blogger: the GData JSON feed ``/feeds/posts/default?alt=json``, paged with ``start-index``.

The JSON carries the full post body (``content.$t``; only ``summary.$t`` when the blog is set
to short feeds), labels as ``category[].term`` and the total in ``openSearch$totalResults``.
Blogger orders this feed by last update, so paging stops on ``updated`` dates.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urljoin

from extract.discover import FeedEntry
from extract.platforms.feeds import Get, crossed, load_json, parse_utc, plain_text, with_query


def feed_url(base_url: str) -> str:
    """The blog's Atom feed (the JSON API is the same URL with ``alt=json``)."""
    return urljoin(base_url, "/feeds/posts/default")


def _t(value: object) -> str | None:
    """The ``$t`` text of a GData field."""
    text = value.get("$t") if isinstance(value, dict) else None
    return text if isinstance(text, str) and text.strip() else None


def _entry(item: dict[str, object]) -> FeedEntry | None:
    links = item.get("link")
    url = next(
        (
            str(link["href"])
            for link in (links if isinstance(links, list) else [])
            if isinstance(link, dict) and link.get("rel") == "alternate" and link.get("href")
        ),
        None,
    )
    if url is None:
        return None
    authors = item.get("author")
    first = authors[0] if isinstance(authors, list) and authors and isinstance(authors[0], dict) else {}
    categories = item.get("category")
    tags = tuple(
        dict.fromkeys(
            str(c["term"]).strip()
            for c in (categories if isinstance(categories, list) else [])
            if isinstance(c, dict) and isinstance(c.get("term"), str) and c["term"].strip()
        )
    )
    return FeedEntry(
        url=url,
        title=_t(item.get("title")),
        author=_t(first.get("name")),
        published=parse_utc(_t(item.get("published"))),
        updated=parse_utc(_t(item.get("updated"))),
        tags=tags,
        content_html=_t(item.get("content")),
        via="api",
        summary=plain_text(_t(item.get("summary"))),
    )


def api_entries(
    get: Get,
    base_url: str,
    *,
    since: datetime | None,
    max_results: int = 150,
    max_pages: int,
) -> list[FeedEntry]:
    """Posts from the JSON feed, newest update first, until the total, ``max_pages`` or ``since``.

    Returns ``[]`` when the blog has no such feed (not Blogger, private, non-JSON answer); the
    entries of pages already read are kept when a later page fails or answers 304.
    """
    api = with_query(feed_url(base_url), alt="json")
    entries: list[FeedEntry] = []
    start = 1
    for _page in range(max(1, max_pages)):
        result = get(with_query(api, **{"start-index": start, "max-results": max_results}), "api")
        data = load_json(result)
        feed = data.get("feed") if isinstance(data, dict) else None
        if not isinstance(feed, dict):
            break
        items = feed.get("entry")
        items = items if isinstance(items, list) else []
        found = [e for e in (_entry(i) for i in items if isinstance(i, dict)) if e is not None]
        entries.extend(found)
        start += len(items)
        total_text = _t(feed.get("openSearch$totalResults")) or ""
        total = int(total_text) if total_text.isdigit() else None
        done = start > total if total is not None else len(items) < max_results
        if not items or done or crossed(found, since, by="updated"):
            break
    return entries
