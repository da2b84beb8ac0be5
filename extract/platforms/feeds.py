"""Generic discovery: RSS/Atom feeds (paged when backfilling), Ghost and Medium feeds, sitemaps.

Also home of the pieces every platform module shares: the ``Get`` callable type, JSON loading,
UTC date parsing and the "have we paged past ``since``" test.

Entity bombs are refused by ``extract.xmlguard`` inside ``extract.discover.parse_feed``.

Sitemaps are parsed by defusedxml (``extract.discover.parse_sitemap``), which refuses entity
declarations itself; gzipped sitemaps are inflated here with a hard output cap.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import zlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser

from extract.discover import FeedEntry, parse_feed, parse_sitemap
from extract.errors import ParseError
from extract.fetch import FetchResult
from extract.platforms.links import is_excluded
from extract.urls import canonical_url

Get = Callable[[str, str], FetchResult | None]
"""``get(url, role) -> result``, or ``None`` when the request failed (the caller has logged why).

``role`` is ``"api"``, ``"feed"``, ``"sitemap"`` or ``"homepage"``."""

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit for one uncompressed file

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_NEXT_RELS = ("next", "prev-archive")  # RFC 5005 paged feeds (section 3) and archived feeds (section 4)
_GZIP_MAGIC = b"\x1f\x8b"
_NON_POST_SITEMAP_WORDS = frozenset(
    {
        "taxonomies",
        "taxonomy",
        "category",
        "categories",
        "tag",
        "tags",
        "author",
        "authors",
        "user",
        "users",
        "page",
        "pages",
        "attachment",
        "attachments",
        "product",
        "products",
    }
)


# --- shared helpers -------------------------------------------------------------------------


def note(errors: list[str] | None, message: str) -> None:
    """Append ``message`` to ``errors`` when the caller collects them."""
    if errors is not None:
        errors.append(message)


def load_json(result: FetchResult | None) -> object | None:
    """The JSON document in ``result``, or ``None`` (no result, 304, HTML, broken JSON)."""
    if result is None or result.not_modified or not result.body:
        return None
    head = result.body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")  # a UTF-8 BOM before JSON is a known WordPress wart
    if head[:1] not in (b"{", b"["):
        return None  # an HTML page ("API disabled" plugins, login walls) or nothing at all
    try:
        return json.loads(result.body)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None


def plain_text(value: object) -> str | None:
    """Rendered HTML (a title, an excerpt) as plain text: tags stripped, entities decoded, spaces collapsed."""
    if not isinstance(value, str):
        return None
    text = _SPACE.sub(" ", html.unescape(_TAG.sub("", value))).strip()
    return text or None


def parse_utc(value: object) -> datetime | None:
    """An ISO-8601 timestamp as an aware UTC datetime; one without an offset is taken as UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def dir_url(base_url: str) -> str:
    """``base_url`` as a directory, so ``urljoin(dir_url(b), "feed/")`` stays under a sub-path install."""
    parts = urlsplit(base_url)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def crossed(entries: Iterable[FeedEntry], since: datetime | None, *, by: str = "published") -> bool:
    """True when some entry is dated before ``since``: a newest-first index has been paged past it.

    ``by`` names the date the index is sorted on (``"published"`` or ``"updated"``); the other
    date is used for entries that lack it; undated entries never stop paging.
    """
    if since is None:
        return False
    other = "updated" if by == "published" else "published"
    for entry in entries:
        when = getattr(entry, by) or getattr(entry, other)
        if when is not None and when < since:
            return True
    return False


def with_query(url: str, **params: str | int) -> str:
    """``url`` with ``params`` set in its query string (other parameters kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, str(v)) for k, v in params.items()]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


# --- feeds ----------------------------------------------------------------------------------


def _next_page(body: bytes, url: str, first_url: str, page: int, platform: str | None) -> str | None:
    """Where page ``page`` of a feed is: RFC 5005 / Atom ``rel=next``, else the platform's pattern."""
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    for rel in _NEXT_RELS:
        for link in parsed.feed.get("links", []):
            if link.get("rel") == rel and link.get("href"):
                return urljoin(url, str(link["href"]))
    generator = " ".join(
        str(v) for v in (parsed.feed.get("generator", ""), parsed.feed.get("generator_detail", {}).get("href", ""))
    ).lower()
    if platform == "wordpress" or "wordpress" in generator:
        return with_query(first_url, paged=page)
    if platform == "ghost" or generator.startswith("ghost"):
        return ghost_page_url(first_url, page)
    return None


def ghost_feed_url(base_url: str) -> str:
    """Ghost's RSS feed: ``<base>/rss/``."""
    return urljoin(dir_url(base_url), "rss/")


def ghost_page_url(feed_url: str, page: int) -> str | None:
    """Page ``page`` of a Ghost ``/rss/`` feed (``/rss/2/``), or ``None`` if ``feed_url`` is not one."""
    parts = urlsplit(feed_url)
    match = re.match(r"^(.*/rss)(?:/\d+)?/?$", parts.path)
    if not match:
        return None
    return urlunsplit((parts.scheme, parts.netloc, f"{match.group(1)}/{page}/", "", ""))


def medium_feed_url(base_url: str) -> str:
    """A Medium blog's feed: ``medium.com/feed/@user`` or ``/feed/<publication>``, else ``<host>/feed``."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    first = next((s for s in parts.path.split("/") if s), "")
    if host in ("medium.com", "www.medium.com") and first and first != "feed":
        return urlunsplit((parts.scheme, parts.netloc, f"/feed/{first}", "", ""))
    return urlunsplit((parts.scheme, parts.netloc, "/feed", "", ""))


def _medium_clean(entry: FeedEntry) -> FeedEntry:
    """Drop Medium's ``?source=rss-...`` tracking parameter, which would make every URL unique."""
    parts = urlsplit(entry.url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if not (k == "source" and v.startswith("rss"))]
    clean = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
    return dataclasses.replace(entry, url=clean) if clean != entry.url else entry


def feed_entries(
    get: Get,
    feed_url: str,
    *,
    since: datetime | None,
    backfill_pages: int = 0,
    platform: str | None = None,
    errors: list[str] | None = None,
) -> list[FeedEntry]:
    """Entries of the feed at ``feed_url`` and, when ``backfill_pages`` > 0, of that many older pages.

    Older pages are found through ``<link rel="next">`` / ``rel="prev-archive"`` (RFC 5005),
    else WordPress ``?paged=N`` or Ghost ``/rss/N/`` (chosen by ``platform`` or the feed's
    ``<generator>``). Paging stops at a failed or 304 page, a page with nothing new, a page
    reaching back before ``since``, or after ``backfill_pages`` extra pages. A refused or
    unreadable feed never raises: the reason goes to ``errors`` and what was read is returned.
    """
    found: dict[str, FeedEntry] = {}
    url: str | None = feed_url
    visited: set[str] = set()
    page = 1
    while url is not None and url not in visited:
        visited.add(url)
        result = get(url, "feed")
        if result is None or result.not_modified:
            break
        try:
            entries = parse_feed(result.body, result.final_url)
        except ParseError as exc:
            note(errors, str(exc))
            break
        if platform == "medium":
            entries = [_medium_clean(e) for e in entries]
        fresh = [e for e in entries if canonical_url(e.url) not in found]
        for entry in fresh:
            found[canonical_url(entry.url)] = entry
        if not fresh or page > backfill_pages or crossed(entries, since):
            break
        page += 1
        url = _next_page(result.body, result.final_url, feed_url, page, platform)
    return list(found.values())


# --- sitemaps -------------------------------------------------------------------------------


def gunzip_capped(data: bytes, max_bytes: int, url: str) -> bytes:
    """Inflate gzip ``data`` (all members) to at most ``max_bytes``; ``ParseError`` beyond that.

    Output is produced in steps bounded by ``max_length``, so a gzip bomb costs at most
    ``max_bytes`` + 1 bytes of memory before it is refused.
    """
    out = bytearray()
    pending = data
    while pending.startswith(_GZIP_MAGIC):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        chunk = pending
        try:
            while True:
                out += inflater.decompress(chunk, max_bytes - len(out) + 1)
                if len(out) > max_bytes:
                    raise ParseError(f"{url}: gzipped sitemap inflates past {max_bytes} bytes; refused (gzip bomb?)")
                if inflater.eof:
                    break
                chunk = inflater.unconsumed_tail
                if not chunk:
                    raise ParseError(f"{url}: gzipped sitemap is truncated")
        except zlib.error as exc:
            raise ParseError(f"{url}: gzipped sitemap unreadable: {exc}") from exc
        pending = inflater.unused_data
    return bytes(out)


def _wanted_sitemap(url: str) -> bool:
    """False for child sitemaps that list archives rather than posts (tags, authors, pages...)."""
    stem = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1].lower()
    return not _NON_POST_SITEMAP_WORDS.intersection(re.split(r"[^a-z]+", stem))


def sitemap_entries(
    get: Get,
    sitemap_url: str,
    *,
    since: datetime | None = None,
    max_sitemaps: int = 50,
    max_bytes: int = MAX_SITEMAP_BYTES,
    errors: list[str] | None = None,
) -> list[FeedEntry]:
    """Post entries of a sitemap, following sitemap indexes and inflating gzipped sitemaps.

    A body is gzip when it starts with the gzip magic bytes (a ``.xml.gz`` already decoded by
    the transport is plain XML). Children that list tags, categories, authors, users or pages are
    skipped, and so are entries whose URL is such an archive or whose ``lastmod`` is before
    ``since``. At most ``max_sitemaps`` documents are fetched; a broken one is noted in
    ``errors`` and skipped.
    """
    queue = [sitemap_url]
    queued = {sitemap_url}
    found: dict[str, FeedEntry] = {}
    for position in range(max_sitemaps):
        if position >= len(queue):
            break
        url = queue[position]
        result = get(url, "sitemap")
        if result is None or result.not_modified:
            continue
        try:
            body = result.body
            if body.startswith(_GZIP_MAGIC):
                body = gunzip_capped(body, max_bytes, url)
            elif len(body) > max_bytes:
                raise ParseError(f"{url}: sitemap over {max_bytes} bytes; refused")
            entries, children = parse_sitemap(body, result.final_url)
        except ParseError as exc:
            note(errors, str(exc))
            continue
        for child in children:
            if child not in queued and _wanted_sitemap(child):
                queued.add(child)
                queue.append(child)
        for entry in entries:
            if is_excluded(entry.url) or (since and entry.updated and entry.updated < since):
                continue
            found.setdefault(canonical_url(entry.url), entry)
    return list(found.values())
