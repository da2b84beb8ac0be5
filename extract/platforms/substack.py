"""Substack: the archive API ``/api/v1/archive?sort=new``, and ``/api/v1/posts/<slug>`` for bodies.

The archive lists posts newest first with their canonical URL, title, subtitle, date, bylines
and audience, usually without ``body_html``; the post endpoint has it (for paid posts only the
free preview). ``audience`` becomes ``FeedEntry.access``: ``everyone`` is public, ``only_paid``
and ``founding`` are paid; ``only_free`` (free subscribers only) and anything else are left
``None``. Discussion threads (``type == "thread"``) are not posts and are skipped.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from urllib.parse import quote, urljoin

from extract.discover import FeedEntry
from extract.platforms.feeds import Get, crossed, load_json, parse_utc, plain_text, with_query

_ACCESS = {"everyone": "public", "only_paid": "paid", "founding": "paid"}


def feed_url(base_url: str) -> str:
    """The publication's RSS feed."""
    return urljoin(base_url, "/feed")


def _body(get: Get, base_url: str, slug: str) -> str | None:
    data = load_json(get(urljoin(base_url, f"/api/v1/posts/{quote(slug, safe='')}"), "api"))
    body = data.get("body_html") if isinstance(data, dict) else None
    return body if isinstance(body, str) and body.strip() else None


def _entry(post: dict[str, object]) -> FeedEntry | None:
    url = post.get("canonical_url")
    if not isinstance(url, str) or not url or post.get("type") == "thread":
        return None
    bylines = post.get("publishedBylines")
    names = [
        str(b["name"]).strip()
        for b in (bylines if isinstance(bylines, list) else [])
        if isinstance(b, dict) and isinstance(b.get("name"), str) and b["name"].strip()
    ]
    tags = post.get("postTags")
    body = post.get("body_html")
    title = post.get("title")
    subtitle = post.get("subtitle") or post.get("description")
    return FeedEntry(
        url=url,
        title=(title.strip() or None) if isinstance(title, str) else None,
        author=", ".join(names) or None,
        published=parse_utc(post.get("post_date")),
        updated=parse_utc(post.get("updated_at")),
        tags=tuple(
            str(t["name"]) for t in (tags if isinstance(tags, list) else []) if isinstance(t, dict) and t.get("name")
        ),
        content_html=body if isinstance(body, str) and body.strip() else None,
        via="api",
        access=_ACCESS.get(str(post.get("audience"))),
        summary=plain_text(subtitle),
    )


def api_entries(
    get: Get,
    base_url: str,
    *,
    since: datetime | None,
    limit: int = 50,
    max_pages: int,
    fetch_bodies: bool = True,
) -> list[FeedEntry]:
    """Posts from the archive API, newest first, until a short page, ``max_pages`` or ``since``.

    With ``fetch_bodies``, a post listed without ``body_html`` is completed from
    ``/api/v1/posts/<slug>`` (one request each; skipped for posts dated before ``since``, which
    earlier nights have seen). Returns ``[]`` when there is no archive API.
    """
    archive = urljoin(base_url, "/api/v1/archive")
    entries: list[FeedEntry] = []
    offset = 0
    for _page in range(max(1, max_pages)):
        result = get(with_query(archive, sort="new", offset=offset, limit=limit), "api")
        data = load_json(result)
        if not isinstance(data, list):
            break
        found: list[FeedEntry] = []
        for post in data:
            entry = _entry(post) if isinstance(post, dict) else None
            if entry is None:
                continue
            slug = post.get("slug")
            recent = since is None or entry.published is None or entry.published >= since
            if fetch_bodies and entry.content_html is None and isinstance(slug, str) and slug and recent:
                body = _body(get, base_url, slug)
                if body is not None:
                    entry = dataclasses.replace(entry, content_html=body)
            found.append(entry)
        entries.extend(found)
        offset += len(data)
        if len(data) < limit or crossed(found, since):
            break
    return entries
