"""Syndication documents: RSS 2.0, Atom 1.0 and sitemaps, built as text.

The themes decide what goes in (which posts, which ids); this module only knows the formats.
Output is deterministic: build dates are the newest post's modification time, never "now".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flows.blogosphere.fmt import attr, cdata, esc, iso, rfc822

_RSS_NAMESPACES = (
    'xmlns:content="http://purl.org/rss/1.0/modules/content/"',
    'xmlns:wfw="http://wellformedweb.org/CommentAPI/"',
    'xmlns:dc="http://purl.org/dc/elements/1.1/"',
    'xmlns:atom="http://www.w3.org/2005/Atom"',
    'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"',
    'xmlns:slash="http://purl.org/rss/1.0/modules/slash/"',
)


@dataclass(frozen=True)
class Channel:
    """Feed-level metadata."""

    title: str
    link: str
    self_url: str
    description: str
    updated: datetime
    language: str = ""
    generator: str = ""
    extra_xml: str = ""


@dataclass(frozen=True)
class FeedItem:
    """One post as a feed entry."""

    title: str
    link: str
    guid: str
    author: str
    categories: tuple[str, ...]
    published: datetime
    updated: datetime
    summary: str
    content_html: str = ""
    guid_is_permalink: bool = False
    extra_xml: str = ""


def rss2(channel: Channel, items: Sequence[FeedItem], *, cdata_text: bool = False, gmt: bool = False) -> str:
    """An RSS 2.0 document; ``cdata_text``/``gmt`` switch to Ghost's habits over WordPress's."""

    def text(value: str) -> str:
        return cdata(value) if cdata_text else esc(value)

    out = ['<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"']
    out += [f"\t{ns}" for ns in _RSS_NAMESPACES]
    out += ["\t>", "", "<channel>"]
    out.append(f"\t<title>{text(channel.title)}</title>")
    out.append(f'\t<atom:link href="{attr(channel.self_url)}" rel="self" type="application/rss+xml" />')
    out.append(f"\t<link>{esc(channel.link)}</link>")
    out.append(f"\t<description>{text(channel.description)}</description>")
    out.append(f"\t<lastBuildDate>{rfc822(channel.updated, gmt=gmt)}</lastBuildDate>")
    if channel.language:
        out.append(f"\t<language>{esc(channel.language)}</language>")
    if channel.generator:
        out.append(f"\t<generator>{esc(channel.generator)}</generator>")
    if channel.extra_xml:
        out.append(channel.extra_xml)
    for item in items:
        permalink = "true" if item.guid_is_permalink else "false"
        out.append("\t<item>")
        out.append(f"\t\t<title>{text(item.title)}</title>")
        out.append(f"\t\t<link>{esc(item.link)}</link>")
        out.append(f"\t\t<dc:creator>{cdata(item.author)}</dc:creator>")
        out.append(f"\t\t<pubDate>{rfc822(item.published, gmt=gmt)}</pubDate>")
        out += [f"\t\t<category>{cdata(c)}</category>" for c in item.categories]
        out.append(f'\t\t<guid isPermaLink="{permalink}">{esc(item.guid)}</guid>')
        out.append(f"\t\t<description>{cdata(item.summary)}</description>")
        if item.content_html:
            out.append(f"\t\t<content:encoded>{cdata(item.content_html)}</content:encoded>")
        if item.extra_xml:
            out.append(item.extra_xml)
        out.append("\t</item>")
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def atom(channel: Channel, items: Sequence[FeedItem], *, feed_id: str) -> str:
    """An Atom 1.0 feed; entry ids are the items' ``guid`` (tag: URIs, independent of the port)."""
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">']
    out.append(f"  <title>{esc(channel.title)}</title>")
    out.append(f"  <subtitle>{esc(channel.description)}</subtitle>")
    out.append(f'  <link href="{attr(channel.self_url)}" rel="self" type="application/atom+xml"/>')
    out.append(f'  <link href="{attr(channel.link)}" rel="alternate" type="text/html"/>')
    out.append(f"  <id>{esc(feed_id)}</id>")
    out.append(f"  <updated>{iso(channel.updated)}</updated>")
    if channel.generator:
        out.append(f"  <generator>{esc(channel.generator)}</generator>")
    for item in items:
        out.append("  <entry>")
        out.append(f"    <title>{esc(item.title)}</title>")
        out.append(f'    <link href="{attr(item.link)}" rel="alternate" type="text/html"/>')
        out.append(f"    <id>{esc(item.guid)}</id>")
        out.append(f"    <published>{iso(item.published)}</published>")
        out.append(f"    <updated>{iso(item.updated)}</updated>")
        out.append(f"    <author><name>{esc(item.author)}</name></author>")
        out += [f'    <category term="{attr(c)}"/>' for c in item.categories]
        out.append(f"    <summary>{esc(item.summary)}</summary>")
        out.append("  </entry>")
    out += ["</feed>", ""]
    return "\n".join(out)


def sitemap(entries: Sequence[tuple[str, datetime | None]]) -> str:
    """A sitemaps.org ``urlset``: ``(absolute URL, lastmod or None)`` pairs."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url, lastmod in entries:
        stamp = f"<lastmod>{iso(lastmod)}</lastmod>" if lastmod else ""
        out.append(f"  <url><loc>{esc(url)}</loc>{stamp}</url>")
    out += ["</urlset>", ""]
    return "\n".join(out)
