"""Main text and metadata of one post page, via trafilatura.

trafilatura (the best measured extractor on our benchmarks, see ``docs/extraction.md``) strips
navigation, sidebars, share widgets and comments and gives us a small semantic tree. We walk
that tree into paragraphs, keeping ``<blockquote>`` content marked as quoted, and take metadata
from the page first and the feed entry second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import Document

from extract.discover import FeedEntry
from extract.errors import ParseError
from extract.urls import canonical_url
from transform.language import detect_language

EXTRACTOR = f"trafilatura-{trafilatura.__version__}"
_SPACE = re.compile(r"\s+")
_MIN_TEXT_CHARS = 40  # shorter "posts" are extraction failures (an empty theme shell), not posts
_JUNK_AUTHORS = {"admin", "administrator", "staff", "editor", "by", "email the author", "wordpressadmin", "username"}


@dataclass(frozen=True)
class Paragraph:
    """One block of the main text; ``is_quote`` for text inside a blockquote."""

    text: str
    is_quote: bool = False
    kind: str = "p"  # p | head | item | quote


@dataclass(frozen=True)
class CleanPost:
    """What the cleaner makes of one page."""

    canonical_url: str
    title: str | None
    authors: tuple[str, ...]
    published_at: datetime | None
    updated_at: datetime | None
    tags: tuple[str, ...]
    language: str | None
    paragraphs: tuple[Paragraph, ...]
    text_source: str = "page"
    extractor: str = EXTRACTOR

    @property
    def text(self) -> str:
        """The post text: paragraphs joined by blank lines; sentence offsets point into it."""
        return "\n\n".join(p.text for p in self.paragraphs)


def _flat(node: etree._Element) -> str:
    return _SPACE.sub(" ", "".join(node.itertext())).strip()


def _paragraphs(body: etree._Element) -> list[Paragraph]:
    out: list[Paragraph] = []
    for node in body:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag == "quote":
            blocks = [c for c in node if isinstance(c.tag, str) and c.tag in ("p", "list", "head")]
            for block in blocks or [node]:
                items = [i for i in block if block.tag == "list" and i.tag == "item"] or [block]
                out.extend(Paragraph(t, True, "quote") for t in map(_flat, items) if t)
        elif tag == "list":
            out.extend(Paragraph(t, False, "item") for t in (_flat(i) for i in node if i.tag == "item") if t)
        elif tag in ("p", "head", "table", "code"):
            text = _flat(node)
            if text:
                out.append(Paragraph(text, False, "head" if tag == "head" else "p"))
    return out


def _parse_when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _page_dates(tree: lxml_html.HtmlElement) -> tuple[datetime | None, datetime | None]:
    """Published/updated times the page states with a time of day (meta, then ``<time>``)."""

    def first(xpaths: list[str]) -> datetime | None:
        for xp in xpaths:
            for value in tree.xpath(xp):
                when = _parse_when(str(value))
                if when:
                    return when
        return None

    published = first(
        [
            '//meta[@property="article:published_time"]/@content',
            '//meta[@itemprop="datePublished"]/@content',
            '//time[contains(@class,"published")]/@datetime',
            "//article//time/@datetime",
            "//time/@datetime",
        ]
    )
    updated = first(
        [
            '//meta[@property="article:modified_time"]/@content',
            '//meta[@itemprop="dateModified"]/@content',
            '//time[contains(@class,"updated")]/@datetime',
        ]
    )
    return published, updated


def _authors(raw: str | None, entry: FeedEntry | None) -> tuple[str, ...]:
    names = [a.strip() for a in (raw or "").split(";")]
    names = [re.sub(r"^by\s+", "", n, flags=re.I) for n in names if n]
    names = [n for n in names if n and n.lower() not in _JUNK_AUTHORS]
    if not names and entry and entry.author:
        names = [entry.author.strip()]
    return tuple(dict.fromkeys(names))


def _not_after(when: datetime | None, limit: datetime) -> datetime | None:
    """Dates after the fetch are wrong (time zones mislabelled, future-dated drafts)."""
    return None if when is None or when > limit else when


def clean_page(html: str, url: str, *, fetched_at: datetime, entry: FeedEntry | None = None) -> CleanPost:
    """Extract the post in ``html`` (fetched from ``url``); raises ``ParseError`` on failure."""
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, include_comments=False, with_metadata=True, as_dict=False, include_tables=True
        )
        tree = lxml_html.fromstring(html)
    except (ValueError, etree.ParserError, etree.XMLSyntaxError) as exc:
        raise ParseError(f"{url}: page could not be parsed: {exc}") from exc
    if not isinstance(doc, Document) or doc.body is None:
        raise ParseError(f"{url}: no main text found")
    paragraphs = _paragraphs(doc.body)
    if sum(len(p.text) for p in paragraphs) < _MIN_TEXT_CHARS:
        raise ParseError(f"{url}: main text too short ({sum(len(p.text) for p in paragraphs)} chars)")
    published, updated = _page_dates(tree)
    if published is None and entry is not None:
        published = entry.published
    if published is None and doc.date:
        published = _parse_when(doc.date)
    if updated is None and entry is not None:
        updated = entry.updated
    page_canonical = doc.url if doc.url and urlsplit(doc.url).netloc == urlsplit(url).netloc else url
    tags = tuple(dict.fromkeys([*(doc.categories or []), *(doc.tags or []), *(entry.tags if entry else ())]))
    text = "\n\n".join(p.text for p in paragraphs)
    return CleanPost(
        canonical_url=canonical_url(page_canonical),
        title=doc.title or (entry.title if entry else None),
        authors=_authors(doc.author, entry),
        published_at=_not_after(published, fetched_at),
        updated_at=_not_after(updated, fetched_at),
        tags=tags,
        language=detect_language(text),
        paragraphs=tuple(paragraphs),
    )
