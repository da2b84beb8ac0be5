"""Main text and metadata of one post page, via trafilatura.

trafilatura (the best measured extractor on our benchmarks, see ``docs/extraction.md``) strips
navigation, sidebars, share widgets and comments and gives us a small semantic tree. We walk
that tree into paragraphs (recursing into the ``div`` wrappers its fallback extractors leave, keeping
loose text, one paragraph per table row), keeping ``<blockquote>`` content marked as quoted, and
take metadata from the page first and the feed entry second. The page is parsed once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import trafilatura
from lxml import etree
from trafilatura.settings import Document

from extract.discover import FeedEntry
from extract.errors import ParseError
from extract.urls import canonical_url
from transform.comments import Comment, find_comments
from transform.language import detect_language
from transform.metadata import page_metadata

EXTRACTOR = f"trafilatura-{trafilatura.__version__}"
_SPACE = re.compile(r"\s+")
# A fast-mode text shorter than this is extracted again with trafilatura's full cascade: on the 149
# blog pages every page where fast mode lost most of the post gave under 420 characters, and a
# genuine post this short costs one more extraction (~5 ms), not a wrong text.
ESCALATE_CHARS = 1000
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
    access: str | None = None  # public | paid | members | None when the page does not say
    metadata_sources: dict[str, str] = field(default_factory=dict)  # field -> where its value came from

    comments: tuple[Comment, ...] = ()

    @property
    def text(self) -> str:
        """The post text: paragraphs joined by blank lines; sentence offsets point into it."""
        return "\n\n".join(p.text for p in self.paragraphs)


# Elements whose text must not run into the text before or after them: without a space,
# "one line<lb/>the next" and adjacent table cells would fuse into single words.
_BREAKS = ("lb", "p", "head", "item", "list", "quote", "row", "cell", "table", "code", "div", "graphic")
# Inline markup inside a run of text; any other element (p, head, list, quote, table, code, and the
# ``div`` wrappers that trafilatura's fallback extractors leave in place) is a block of its own.
_INLINE = frozenset({"hi", "ref", "lb", "del", "graphic", "span", "a", "b", "i", "em", "strong", "u", "sub", "sup"})


def _flat(node: etree._Element) -> str:
    return _SPACE.sub(" ", "".join(node.itertext())).strip()


def _space_breaks(body: etree._Element) -> None:
    """Pad every block-ish element with a space at both ends, so ``itertext`` keeps words apart."""
    for node in body.iter(*_BREAKS):
        node.text = " " + (node.text or "")
        node.tail = " " + (node.tail or "")


def _table_rows(table: etree._Element) -> list[str]:
    """One line per row, cells joined by `` | ``."""
    rows = [row for row in table if row.tag == "row"]
    if not rows:
        return [_flat(table)]
    return [" | ".join(t for t in (_flat(c) for c in (row.findall("cell") or [row])) if t) for row in rows]


def _walk(node: etree._Element, quoted: bool, out: list[Paragraph]) -> None:
    """Append the paragraphs of ``node``'s children to ``out``, recursing into containers.

    Text directly inside ``node`` (its own text, inline children, tails) becomes paragraphs too.
    """
    loose: list[str] = [node.text or ""]

    def flush() -> None:
        text = _SPACE.sub(" ", "".join(loose)).strip()
        if text:
            out.append(Paragraph(text, quoted, "quote" if quoted else "p"))
        loose.clear()

    for child in node:
        tag = child.tag if isinstance(child.tag, str) else ""
        if not tag or tag in _INLINE:
            if tag:
                loose.append("".join(child.itertext()))
            loose.append(child.tail or "")
            continue
        flush()
        kind = "quote" if quoted else ("head" if tag == "head" else "item" if tag == "list" else "p")
        if tag == "quote":
            _walk(child, True, out)
        elif tag == "list":
            items = [i for i in child if i.tag == "item"] or [child]
            out.extend(Paragraph(t, quoted, kind) for t in map(_flat, items) if t)
        elif tag == "table":
            out.extend(Paragraph(t, quoted, kind) for t in _table_rows(child) if t)
        elif tag in ("p", "head", "code", "item", "row", "cell"):
            text = _flat(child)
            if text:
                out.append(Paragraph(text, quoted, kind))
        else:  # a container (div, section, ...): its blocks and loose text, in order
            _walk(child, quoted, out)
        loose.append(child.tail or "")
    flush()


def _paragraphs(body: etree._Element) -> list[Paragraph]:
    """The paragraphs of trafilatura's result tree (which this pads with spaces, see ``_space_breaks``)."""
    _space_breaks(body)
    out: list[Paragraph] = []
    _walk(body, False, out)
    return out


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


def clean_entry(entry: FeedEntry, *, fetched_at: datetime) -> CleanPost:
    """The post an API or full-content feed entry carries, without its page.

    The body HTML (WordPress ``content.rendered``, Blogger ``content.$t``, Substack
    ``body_html``, RSS ``content:encoded``) goes through trafilatura like a page, which drops
    share widgets and "related posts" blocks that plugins append; metadata comes from the entry.
    """
    body = entry.content_html or ""
    try:
        doc = trafilatura.bare_extraction(
            f"<html><body><article>{body}</article></body></html>",
            url=entry.url,
            include_comments=False,
            with_metadata=False,
            as_dict=False,
            include_tables=True,
        )
    except (ValueError, etree.ParserError, etree.XMLSyntaxError) as exc:
        raise ParseError(f"{entry.url}: {entry.via} body could not be parsed: {exc}") from exc
    if not isinstance(doc, Document) or doc.body is None:
        raise ParseError(f"{entry.url}: no text in the {entry.via} body")
    paragraphs = _paragraphs(doc.body)
    if sum(len(p.text) for p in paragraphs) < _MIN_TEXT_CHARS:
        raise ParseError(f"{entry.url}: {entry.via} body too short ({sum(len(p.text) for p in paragraphs)} chars)")
    text = "\n\n".join(p.text for p in paragraphs)
    return CleanPost(
        canonical_url=canonical_url(entry.url),
        title=entry.title,
        authors=_authors(None, entry),
        published_at=_not_after(entry.published, fetched_at),
        updated_at=_not_after(entry.updated, fetched_at),
        tags=tuple(dict.fromkeys(entry.tags)),
        language=detect_language(text),
        paragraphs=tuple(paragraphs),
        text_source=entry.via,
        access=entry.access,
        metadata_sources={
            name: entry.via
            for name, value in (
                ("title", entry.title),
                ("authors", entry.author),
                ("published_at", entry.published),
                ("updated_at", entry.updated),
                ("tags", entry.tags),
            )
            if value
        },
    )


def _extract(tree: etree._Element, url: str, *, fast: bool) -> list[Paragraph]:
    """trafilatura's main text of ``tree`` as paragraphs (empty when it found none)."""
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        with_metadata=False,
        as_dict=False,
        include_tables=True,
        fast=fast,
    )
    if not isinstance(doc, Document) or doc.body is None:
        return []
    return _paragraphs(doc.body)


def _main_text(tree: etree._Element, url: str) -> tuple[list[Paragraph], str]:
    """The post's paragraphs and how they were found: ``fast``, or ``cascade`` when fast fell short.

    trafilatura's ``fast`` mode skips comparing its result with readability and jusText: on the
    extraction benchmark it scores as well as the full cascade (F1 0.962 vs 0.960) at about 70% of
    the time. Where it misses, it misses most of the post (Axios 3.6k -> 0.4k characters), so a
    result under ``ESCALATE_CHARS`` is done again with the cascade (``docs/extraction.md``).
    """
    paragraphs = _extract(tree, url, fast=True)
    if sum(len(p.text) for p in paragraphs) >= ESCALATE_CHARS:
        return paragraphs, "fast"
    return _extract(tree, url, fast=False), "cascade"


def clean_page(html: str, url: str, *, fetched_at: datetime, entry: FeedEntry | None = None) -> CleanPost:
    """Extract the post in ``html`` (fetched from ``url``); raises ``ParseError`` on failure."""
    try:
        tree = trafilatura.load_html(html) if html.strip() else None  # one parse, for the dates and for trafilatura
    except (ValueError, etree.ParserError, etree.XMLSyntaxError) as exc:
        raise ParseError(f"{url}: page could not be parsed: {exc}") from exc
    if tree is None and html.strip():
        # trafilatura refuses a bare fragment ("<article>…"); give it a document around it
        tree = trafilatura.load_html(f"<html><body>{html}</body></html>")
    if tree is None:
        raise ParseError(f"{url}: page could not be parsed")

    meta = page_metadata(tree, url)  # reads the tree; bare_extraction works on its own copy
    comments = find_comments(tree)
    paragraphs, mode = _main_text(tree, url)
    if not paragraphs:
        raise ParseError(f"{url}: no main text found")
    if sum(len(p.text) for p in paragraphs) < _MIN_TEXT_CHARS:
        raise ParseError(f"{url}: main text too short ({sum(len(p.text) for p in paragraphs)} chars)")
    sources = {**meta.sources, "text": mode}
    published = meta.published_at
    if entry is not None and entry.published and (published is None or sources.get("published_at") == "url"):
        published = entry.published  # a date read from the URL has no time of day; the entry's has
        sources["published_at"] = entry.via
    updated = meta.updated_at or (entry.updated if entry else None)
    for name, page_value, entry_value in (
        ("updated_at", meta.updated_at, entry.updated if entry else None),
        ("title", meta.title, entry.title if entry else None),
        ("authors", meta.authors, entry.author if entry else None),
    ):
        if not page_value and entry_value and entry is not None:
            sources[name] = entry.via
    page_canonical = meta.canonical_url if urlsplit(meta.canonical_url or "").netloc == urlsplit(url).netloc else url
    tags = tuple(dict.fromkeys([*meta.tags, *(entry.tags if entry else ())]))
    text = "\n\n".join(p.text for p in paragraphs)
    return CleanPost(
        canonical_url=canonical_url(page_canonical or url),
        title=meta.title or (entry.title if entry else None),
        authors=meta.authors or _authors(None, entry),
        published_at=_not_after(published, fetched_at),
        updated_at=_not_after(updated, fetched_at),
        tags=tags,
        language=detect_language(text),
        paragraphs=tuple(paragraphs),
        access=meta.access or (entry.access if entry else None),
        comments=comments,
        metadata_sources=sources,
    )
