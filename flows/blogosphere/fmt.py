"""Small text helpers shared by the themes: escaping, date styles, slugs, excerpts, bodies.

Everything here is locale-independent and deterministic, so a page renders to the same bytes
on every machine and every run.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, datetime
from email.utils import format_datetime

from flows.blogosphere.model import Paragraph, Post

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def esc(text: str) -> str:
    """Escape text for an HTML/XML text node (quotes left alone, as WordPress does)."""
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    """Escape text for a double-quoted HTML/XML attribute."""
    return html.escape(text, quote=True)


def cdata(text: str) -> str:
    """Wrap text in a CDATA section, splitting any ``]]>`` inside it."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def http_date(moment: datetime) -> str:
    """RFC 7231 date for HTTP headers, e.g. ``Fri, 02 Oct 2026 07:14:00 GMT``."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def rfc822(moment: datetime, *, gmt: bool = False) -> str:
    """RSS ``pubDate`` in UTC: ``+0000`` (WordPress style) or ``GMT`` (Ghost style)."""
    return format_datetime(moment.astimezone(UTC), usegmt=gmt)


def iso(moment: datetime) -> str:
    """ISO 8601 with the post's own offset, e.g. ``2026-11-20T09:30:00-05:00``."""
    return moment.isoformat()


def iso_utc_ms(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, as Ghost writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def date_gb(moment: datetime) -> str:
    """``2 October 2026``."""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def date_us(moment: datetime) -> str:
    """``November 20, 2026``."""
    return f"{MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def date_short(moment: datetime) -> str:
    """``3 Oct 2026``."""
    return f"{moment.day} {MONTHS[moment.month - 1][:3]} {moment.year}"


def slugify(text: str) -> str:
    """Lowercase, dash-separated form of a tag or name, for archive URLs and CSS classes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def excerpt(post: Post, words: int = 55) -> str:
    """The first ``words`` words of the post's own (non-quoted) prose, with an ellipsis if cut."""
    text = " ".join(p.text for p in post.paragraphs if not p.quote)
    parts = text.split()
    return " ".join(parts[:words]) + (" […]" if len(parts) > words else "")


def stable_hex(*parts: str, length: int = 24) -> str:
    """A deterministic hex id derived from ``parts`` (Ghost object ids, comment ids)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]


def body_html(paragraphs: tuple[Paragraph, ...], *, quote_class: str = "", indent: str = "") -> str:
    """Paragraphs as ``<p>``, consecutive quoted ones grouped in one ``<blockquote>``."""
    cls = f' class="{quote_class}"' if quote_class else ""
    lines: list[str] = []
    index = 0
    while index < len(paragraphs):
        para = paragraphs[index]
        if not para.quote:
            lines.append(f"{indent}<p>{esc(para.text)}</p>")
            index += 1
            continue
        group: list[str] = []
        while index < len(paragraphs) and paragraphs[index].quote:
            group.append(f"<p>{esc(paragraphs[index].text)}</p>")
            index += 1
        lines.append(f"{indent}<blockquote{cls}>" + "".join(group) + "</blockquote>")
    return "\n".join(lines)
