"""Title, authors, dates, tags, canonical URL and access of one post page, and where each came from.

``trafilatura.bare_extraction(..., with_metadata=True)`` spends about a third of the cleaner's CPU
on metadata (docs/extraction.md, "Metadata") and does not say which part of the page a value came
from. This module reads the lxml tree the cleaner already has (``trafilatura.load_html``) and takes
each field from the most trustworthy place that has it, in this order:

1. JSON-LD (``<script type="application/ld+json">``, ``@graph`` aware): the publisher's own
   structured description of the post, usually written by the CMS or an SEO plugin;
2. Open Graph and ``article:*`` meta (``og:title``, ``article:published_time``, ``article:tag``, ...);
3. other meta (``author``, ``parsely-*``, ``sailthru.*``, ``dc.*``, ``citation_*``, ``rel=canonical``);
4. microdata and RDFa (``itemprop=author/name``, ``itemprop=datePublished``, ``property=schema:...``);
5. markup heuristics: ``<time datetime>`` and dated elements in the post's header, byline elements
   (``.byline``, ``.author``, ``rel=author``, ``vcard``, author-archive links), ``rel=tag`` /
   ``rel="category tag"`` links, the ``<h1>``, the ``<title>`` minus its " | Site name" suffix;
6. the URL (``/YYYY/MM/DD/``: a date with day precision; the fetched URL as the canonical one).

``PageMetadata.sources`` records the layer of every value found. Later layers are only evaluated
for the fields still missing, and the page is walked once for the few element types every layer
needs (``meta``, ``script``, ``link``, ``time``, ``a``, ``h1``, ...); the expensive class-attribute
searches for bylines and dates only look at the post's header (the ``<h1>``'s surroundings) and its
``<article>``. The tree is only read, never changed. Anything inside a reader-comment area, a sidebar,
navigation or a "related posts" block is ignored, so a commenter is never taken for the author and a
comment's date never for the post's.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

__all__ = ["PageMetadata", "page_metadata", "parse_datetime", "parse_text_date"]

# Values of PageMetadata.sources.
JSON_LD = "json-ld"
OPENGRAPH = "opengraph"
META = "meta"
MICRODATA = "microdata"  # also RDFa (property="schema:datePublished" content=...)
TIME = "time"  # <time datetime> elements, and dated elements in the post's header
BYLINE = "byline"
REL_TAG = "rel-tag"
H1 = "h1"
TITLE_TAG = "title-tag"
URL = "url"
MARKUP = "markup"  # WordPress category-/tag- classes on the post; Ghost/Substack paywall boxes


def _words(text: str, sep: str | None = None) -> list[str]:
    """The words of a constant word list written as one string (easier to read and extend)."""
    return text.split(sep)


# --- tuning constants -----------------------------------------------------------------------------

# Plausible publication years: earlier values are CMS placeholders ("0000-00-00", epoch zero),
# later ones typos; both are discarded rather than stored.
_MIN_YEAR, _MAX_YEAR = 1990, 2100
_MAX_TITLE_CHARS = 300  # longer "titles" are a paragraph picked up by mistake
_MAX_AUTHOR_CHARS = 60  # a byline longer than this is an author bio, not a name
_MAX_AUTHOR_WORDS = 5  # "Eleanor Ainge Roy", "Kiran C Nair"; more words is prose
_MAX_AUTHORS = 12  # group bylines credit up to ~10 people; more is a list of other posts' authors
_MAX_TAG_CHARS = 60  # longer "tags" are sentences from SEO keyword stuffing
_MAX_TAGS = 40  # enough for every annotated page; keyword dumps beyond this are noise
_MAX_DATE_TEXT = 120  # a dated element with more text than this is prose, not a dateline
_MAX_ANCESTORS = 60  # stop walking up (for the comment/sidebar test) in pathological trees
_HEADER_LEVELS = 3  # the post header is the <h1>'s parent up to this many levels (or its <article>)
_H1_NEIGHBOURS = 3  # elements after the <h1> that may hold a bare dateline ("<p>January 22, 2014</p>")
_BYLINE_TEXTS = 3  # byline elements read per kind; the post's own byline comes first in the header
_MAX_BYLINE_CHARS = 150  # a "byline" element with more text is a container (author box, whole post)
_TITLE_SUFFIX_MAX_WORDS = 4  # an unknown last "<title>" segment this short is taken for the site name

_SPACE = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[\W_]+")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_SLASH_ISO_DATE = re.compile(r"^(\d{4})/(\d{2})/(\d{2})")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])(?:/|$|[-_.])")
_URL_ISO_DATE = re.compile(r"/((?:19|20)\d{2})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:/|$|[-_.])")

# Month names (en, de, fr, es, with common abbreviations) for datelines like "19. Oktober 2019".
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar jänner janvier janv enero ene",
        "february feb februar février fevrier févr fevr febrero",
        "march mar märz maerz mär mars marzo",
        "april apr avril avr abril abr",
        "may mai mayo",
        "june jun juni juin junio",
        "july jul juli juillet juil julio",
        "august aug août aout agosto ago",
        "september sep sept septembre septiembre setiembre",
        "october oct oktober okt octobre octubre",
        "november nov novembre noviembre",
        "december dec dezember dez décembre decembre déc diciembre dic",
    ),
    start=1,
):
    _MONTHS.update(dict.fromkeys(_names.split(), _number))
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_TEXT_DMY_NAME = re.compile(rf"\b(\d{{1,2}})\.?\s*(?:de\s+)?({_MONTH})\.?,?\s+(?:de\s+)?(\d{{4}})\b", re.I)
_TEXT_MDY_NAME = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_TEXT_NUMERIC = re.compile(r"\b(\d{1,2})([./])(\d{1,2})\2(\d{4})\b")
_TEXT_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")

# Article-like schema.org types; WebPage-like ones are the fallback (Yoast puts the dates there).
_ARTICLE_TYPES = frozenset(
    _words(
        "article newsarticle blogposting reportagenewsarticle opinionnewsarticle analysisnewsarticle "
        "backgroundnewsarticle reviewnewsarticle askpublicnewsarticle satiricalarticle scholarlyarticle "
        "techarticle report liveblogposting socialmediaposting discussionforumposting"
    )
)
_PAGE_TYPES = frozenset(_words("webpage itempage aboutpage profilepage medicalwebpage"))
_ORG_TYPES = frozenset(_words("organization newsmediaorganization corporation website brand localbusiness"))

# <meta> keys per field, in order of trust within their layer.
_OG_TITLE = ("og:title",)
_OG_AUTHOR = ("article:author", "og:article:author", "article:author_name")
_OG_PUBLISHED = ("article:published_time", "og:published_time", "article:published")
_OG_MODIFIED = ("article:modified_time", "og:updated_time", "article:modified")
_META_TITLE = ("parsely-title", "sailthru.title", "dc.title", "dcterms.title", "citation_title", "twitter:title")
_META_AUTHOR = (
    "author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "citation_author",
    "byl",  # NYT: "By Jeffrey Gettleman"
    "shareaholic:article_author_name",
    "article.author",
)
_META_PUBLISHED = (
    "parsely-pub-date",
    "sailthru.date",
    "article.published",
    "article_date_original",
    "original-publish-date",
    "publish-date",
    "publishdate",
    "pubdate",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "citation_publication_date",
    "citation_date",
    "date",
)
_META_MODIFIED = ("article.updated", "dc.date.modified", "dcterms.modified", "last-modified-date", "lastmod")
_META_TAGS = ("parsely-tags", "sailthru.tags", "news_keywords")
_META_SECTION = ("parsely-section", "article.section", "section")
_META_KEYWORDS = ("keywords",)  # SEO keyword lists: only when the page names no tags anywhere else
# Meta keys naming the site or publisher (not application-name: MSN puts the post title there).
_SITE_NAME_KEYS = ("og:site_name", "twitter:site", "publisher", "dc.publisher")

# Author strings that are never a person: placeholders, roles, boilerplate around bylines.
_JUNK_AUTHORS = frozenset(
    _words(
        "by|admin|administrator|wordpressadmin|username|user|webmaster|staff|editor|editors|author|authors|"
        "autor|autoren|auteur|autore|redaktion|redaction|rédaction|redacción|editorial|team|guest|anonymous|"
        "unknown|contributor|contributors|reporter|correspondent|email the author|email|follow|posted|"
        "posted by|written by|view all posts|more|home|news|share|says|wrote|name|letters to the editor|"
        "letters|editorial board|the editors|guest author|guest post|press release|red|zvg",  # zvg, Red.: photo, desk
        sep="|",
    )
)
# Words that make a byline fragment a job title, not a name ("Jane Doe, Senior Reporter").
_ROLE_WORDS = frozenset(
    _words(
        "staff writer writers reporter reporters editor editors correspondent contributor columnist senior "
        "chief associate contributing deputy managing desk producer analyst photographer news"
    )
)
_BY_PREFIX = re.compile(
    r"^(?:(?:posted|written|published|story|words|text|reporting)\s+)?"
    r"(?:by|von|par|por|di|door|av|from)\s*[:\-–]?\s+|^(?:author|autor(?:in)?|auteur|byline)\s*:\s*",
    re.I,
)
# Where a scraped byline stops being a name: separators, dates, "Updated", "Email the author", ...
_BYLINE_END = re.compile(
    r"[|•·/\n\t@]|\s[-–—]\s|\d"
    r"|\b(?:updated|published|posted|email|e-mail|follow|twitter|facebook|share|comments?|mehr|more|view)\b"
    rf"|,?\s*\b(?:{_MONTH})\.?\s+\d",
    re.I,
)
# What is left dangling after a byline is cut at its date: "Heiko Sauer am", "Jane Doe on", "Max Muster,"
_DANGLING = re.compile(r"(?:[\s,]+(?:on|am|um|le|el|vom|den|dem|il|at|der|du|de|the|posted))*[\s,]*$", re.I)
_DESK_WORDS = frozenset(_words("desk staff team newsroom redaktion editors"))  # "National Desk", "Web Team"
_ORG_WORDS = frozenset(
    _words(
        "the press news times post daily journal media magazine blog foundation institute network radio tv today "
        "herald tribune review gazette online group inc ltd gmbh verlag zeitung center centre association party "
        "partei union de com org net"
    )
)
_NAME_PARTICLES = frozenset(_words("von van der den de la le du da das dos del di ten ter zu y e bin al el mac st."))
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|&|\band\b|\bund\b|\bet\b|\by\b|\bu\.)\s*", re.I)
_FOR_SUFFIX = re.compile(r"\s+(?:for|für|pour|para)\s+(?:the\s+|die\s+|der\s+|le\s+|la\s+)?\S.*$", re.I)
_PARENTHESES = re.compile(r"\s*\([^)]*\)?")  # "Richard (R.J.) Eskow", "Bradley M. Kuhn (http://ebb.org/bkuhn/)"
_NAME_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_HAS_LETTER = re.compile(r"[^\W\d_]")
# Author archive links: WordPress /author/<slug>/, and the same idea in other CMSs and languages.
_AUTHOR_HREF = re.compile(
    r"/(?:author|authors|autor|autoren|auteur|auteurs|autore|writers?|columnists?|journalists?|profiles?|people"
    r"|contributors?|redakteur|redaktion/autor)/[^/?#]+/?(?:[?#]|$)",
    re.I,
)
_TAG_COUNT = re.compile(r"\s*\(\d+(?:\s+\w+)?\)$")  # "2020 Election (611 posts)"
# Labels in front of tag lists read from the markup: "Tagged jobs", "Posted in News", "Schlagwörter: EU"
_TAG_PREFIX = re.compile(
    r"^(?:posted in|filed under|tagged(?: with)?|tags?|categor(?:y|ies)|kategorien?|schlagw(?:ö|oe)rter|themen"
    r"|mots-clés|étiquettes|etiquetas)\s*:?\s+",
    re.I,
)

# "Title | Site", "Site – Title", "Title :: Site".
_TITLE_SEPARATORS = re.compile(r"\s+[|–—·•»«:~/\-]\s+|\s*\|\s*|\s+::\s+")

# Reader-comment areas: class or id tokens of WordPress, Disqus, Blogger, Drupal and common themes.
_COMMENT_TOKEN = re.compile(
    r"comments?|commentlist|comment-?list|comments?[-_](?:area|section|wrapper|container|thread|list|block|box"
    r"|content|body|holder|respond|inner|widget|form)|comment[-_]\d+|comment[-_](?:body|content|text|author|meta"
    r"|metadata|respond|thread|item|entry|wrapper|container|form)|js-comment|div-comment-\d+|disqus(?:_thread)?"
    r"|respond|dsq-\w+|talk-stream|coral[-_]\w*|user-comments?",
    re.I,
)
# Regions that hold other posts or site chrome, not the post's own byline, date or tags.
_OFFPAGE_TOKEN = re.compile(
    r"sidebar|sidebar-\w+|widget-area|related(?:[-_]\w+)?|site-footer|footer|[\w-]*navigation|navbar|nav|[\w-]+-nav|menu"
    r"|recommended|most-popular|popular-posts|more-stories|read-next|trending|teasers?|promo|newsletter"
    r"|author-bio|about-author|author-box|author-info|tagcloud|tag-cloud|wp-block-tag-cloud|breadcrumbs?",
    re.I,
)
# schema.org types of page regions that are not the post: comments, site header/footer, sidebar, menus.
_OFFPAGE_ITEMTYPE = re.compile(r"comment|WPHeader|WPFooter|WPSideBar|SiteNavigationElement", re.I)
# Class/id fragments of byline and dateline elements, and what each one holds.
_NAME_CLASS = re.compile(r"\bfn\b|author[-_]?name|byline[-_]+name|author[-_]link|byline[-_]+author", re.I)
_BYLINE_CLASS = re.compile(r"byline|author|vcard|submitted|\bfn\b", re.I)  # every _NAME_CLASS match is one too
_DATE_CLASS = re.compile(r"date|time|publish|posted|submitted|dateline|meta", re.I)
_PUBLISHED_MARK = re.compile(r"publish|entry-date|post-date|posted|created|pubdate|datepublished", re.I)
_UPDATED_MARK = re.compile(r"updated|modified|last-update|lastupdate|changed", re.I)
_TAGLIST_CLASS = re.compile(
    r"tags-links|cat-links|post-tags|entry-tags|post-categories|entry-categories|article-tags|tag-list|tags-list"
    r"|tagged|post-tag|entry-meta-tags",
    re.I,
)
_WP_TERM_CLASS = re.compile(r"^(category|tag)-(.+)$")  # WordPress post_class(): category-<slug>, tag-<slug>
_SIGNUP_WALL = re.compile(r"email|regwall|registration|register|signup|sign-up|login|member", re.I)
_PAYWALL_PAID = re.compile(r"paid|paying|premium|tier|bezahl|abonn|payant", re.I)

_XP_CLASSED = etree.XPath(".//*[@class or @id]")
_XP_ITEMPROP = etree.XPath("//@itemprop | //@property")  # attribute strings: cheaper than testing every element
_XP_GHOST_CTA = etree.XPath(
    '//aside[contains(@class, "gh-post-upgrade-cta")] | //div[contains(@class, "gh-post-upgrade-cta")]'
)
_XP_SUBSTACK_PAYWALL = etree.XPath(
    '//div[contains(concat(" ", normalize-space(@class), " "), " paywall ")] | //div[@data-component-name="Paywall"]'
)
# The element types collected in the one walk over the page.
_WALK_TAGS = ("meta", "script", "link", "title", "time", "abbr", "h1", "h2", "a", "article")
_NOT_BYLINE = frozenset({"article", "body", "html", "main", "section", "h1", "h2", "ul", "ol", "img", "figure"})


@dataclass(frozen=True)
class PageMetadata:
    """What the page says about itself; ``sources`` maps each field found to the layer it came from.

    ``tags`` are the page's categories and tags together (deduplicated case-insensitively, categories
    first, each in page order). ``sources["tags"]`` is the layer of the tags (of the categories when
    there are none); ``sources["categories"]`` is added when the categories came from another layer.
    ``access`` is ``"public"``, ``"paid"``, ``"members"`` or None when the page does not say.
    """

    title: str | None
    authors: tuple[str, ...]
    published_at: datetime | None  # aware, UTC
    updated_at: datetime | None  # aware, UTC
    tags: tuple[str, ...]
    canonical_url: str | None  # absolute
    access: str | None
    sources: dict[str, str] = field(default_factory=dict)


# --- text and dates -------------------------------------------------------------------------------


def _text(value: object) -> str:
    """Whitespace-collapsed, entity-decoded text (JSON-LD and meta often carry ``&amp;``, ``&#8217;``)."""
    if not isinstance(value, str) or not value:
        return ""
    if "&" in value:
        value = html.unescape(value)
    return _SPACE.sub(" ", value).strip()


def _flat(node: etree._Element) -> str:
    """An element's text content, whitespace-collapsed."""
    return _text("".join(node.itertext()))


def _key(value: str) -> str:
    """Comparison key for names: letters and digits only, case-folded ("L'Opinion" -> "lopinion")."""
    return _NOT_ALNUM.sub("", value.casefold())


def _aware(when: datetime) -> datetime | None:
    """``when`` in UTC (a naive value is taken as UTC already); None for an implausible year."""
    if not _MIN_YEAR <= when.year <= _MAX_YEAR:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def parse_datetime(value: object) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 (or RFC 2822) string; None for anything else.

    Offsets and ``Z`` are honoured, a naive value is taken as UTC, a bare date is midnight UTC.
    Week and ordinal dates, years outside 1990-2100 and unparseable strings are discarded.
    """
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return None
    slash = _SLASH_ISO_DATE.match(text)
    if slash:
        text = f"{slash[1]}-{slash[2]}-{slash[3]}{text[10:]}"
    if _ISO_DATE.match(text):
        text = text.replace(" +", "+").replace(" -", "-").replace("z", "Z")
        for candidate in (text, text[:19], text[:10]):  # drop a trailing zone name or junk, then the time
            try:
                return _aware(datetime.fromisoformat(candidate))
            except ValueError:
                continue
        return None
    if text[:1].isalpha() and "," in text[:5]:  # "Thu, 25 Jul 2019 10:00:00 GMT"
        try:
            return _aware(parsedate_to_datetime(text))
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return None


def parse_text_date(text: str, *, day_first: bool | None = True) -> datetime | None:
    """The first calendar date written out in ``text`` ("19. Oktober 2019", "May 19, 2020",
    "22.04.2020", "2019-10-16"), at midnight UTC: datelines carry a day, rarely a usable time zone.

    ``day_first`` decides ambiguous ``01/02/2020``: True for day/month (most of the world), False
    for month/day (US English), None to refuse them. Dotted ``22.04.2020`` is always day first.
    """
    if not text or not any(c.isdigit() for c in text):
        return None
    found: list[tuple[int, int, int, int]] = []  # (position, year, month, day)
    if m := _TEXT_ISO.search(text):
        found.append((m.start(), int(m[1]), int(m[2]), int(m[3])))
    if m := _TEXT_DMY_NAME.search(text):
        found.append((m.start(), int(m[3]), _MONTHS[m[2].lower()], int(m[1])))
    if m := _TEXT_MDY_NAME.search(text):
        found.append((m.start(), int(m[3]), _MONTHS[m[1].lower()], int(m[2])))
    if m := _TEXT_NUMERIC.search(text):
        a, b, year = int(m[1]), int(m[3]), int(m[4])
        if m[2] == "." or a > 12 or (day_first and b <= 12):
            found.append((m.start(), year, b, a))
        elif b > 12 or day_first is False:
            found.append((m.start(), year, a, b))
    for _, year, month, day in sorted(found):
        try:
            when = _aware(datetime(year, month, day))
        except ValueError:
            continue
        if when:
            return when
    return None


def _url_date(url: str) -> datetime | None:
    """The ``/YYYY/MM/DD/`` (or ``/YYYY-MM-DD``) date in a post URL's path, at midnight UTC."""
    path = urlsplit(url).path
    found = _URL_DATE.search(path) or _URL_ISO_DATE.search(path)
    if not found:
        return None
    try:
        return datetime(int(found[1]), int(found[2]), int(found[3]), tzinfo=UTC)
    except ValueError:
        return None


# --- JSON-LD -------------------------------------------------------------------------------------


def _types(node: dict[str, Any]) -> set[str]:
    """Lower-case schema.org type names of a JSON-LD node ("schema:NewsArticle" -> "newsarticle")."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {v.rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() for v in values if isinstance(v, str)}


def _load_json(text: str) -> Any:
    """Parse one JSON-LD script, tolerating HTML comment / CDATA wrappers and a trailing ``;``."""
    text = text.strip()
    for prefix in ("<!--", "//<![CDATA[", "<![CDATA["):
        text = text.removeprefix(prefix)
    for suffix in ("-->", "//]]>", "]]>"):
        text = text.removesuffix(suffix)
    try:
        return json.loads(text.strip().rstrip(";"), strict=False)  # strict=False: raw newlines in strings
    except (ValueError, RecursionError):
        return None


def _node_urls(node: dict[str, Any]) -> Iterator[str]:
    """The URLs a JSON-LD node says it is about: ``url``, ``mainEntityOfPage`` (string or ``@id``), ``@id``."""
    for key in ("url", "mainEntityOfPage", "@id"):
        value = node.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str):
            yield value


def _url_key(url: str) -> str:
    """Host (without ``www.``) and path without trailing slash: "the same page" for URL comparisons."""
    parts = urlsplit(url)
    return f"{parts.netloc.lower().removeprefix('www.')}{parts.path.rstrip('/')}"


def _strings(value: Any, depth: int = 0) -> list[str]:
    """A JSON-LD value as strings: a string, a list of them, or ``{"name": ...}`` objects."""
    if isinstance(value, str):
        return [value]
    if depth > 3:
        return []
    if isinstance(value, dict):
        return _strings(value.get("name"), depth + 1)
    if isinstance(value, list):
        return [s for item in value for s in _strings(item, depth + 1)]
    return []


class _JsonLd:
    """The page's JSON-LD: the post (the article-typed node about this URL, else the first with a
    headline), its web page node, an ``@id`` index for references, and the publisher's names."""

    def __init__(self, scripts: list[etree._Element], page_url: str) -> None:
        self.by_id: dict[str, dict[str, Any]] = {}
        self.site_names: list[str] = []
        articles: list[dict[str, Any]] = []
        pages: list[dict[str, Any]] = []
        for script in scripts:
            data = _load_json(script.text or "")
            for node in self._nodes(data, 0):
                types = _types(node)
                if types & _ARTICLE_TYPES:
                    articles.append(node)
                elif types & _PAGE_TYPES:
                    pages.append(node)
                elif types & _ORG_TYPES and isinstance(node.get("name"), str):
                    self.site_names.append(node["name"])
        for node in (*articles, *pages):
            publisher = self.resolve(node.get("publisher"))
            self.site_names.extend(_strings(publisher) if isinstance(publisher, dict) else [])
        self.article = self._best(articles, page_url)
        self.page = self._best(pages, page_url)

    def _nodes(self, data: Any, depth: int) -> Iterator[dict[str, Any]]:
        """Top-level nodes, ``@graph`` members and ``mainEntity`` children. Not every nested object:
        an ``ItemList`` of other posts must not be taken for this one."""
        if depth > 4:
            return
        if isinstance(data, list):
            for item in data:
                yield from self._nodes(item, depth + 1)
            return
        if not isinstance(data, dict):
            return
        node_id = data.get("@id")
        if isinstance(node_id, str) and len(data) > 1:
            self.by_id.setdefault(node_id, data)
        if "@type" in data:
            yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            child = data.get(key)
            if isinstance(child, dict | list):
                yield from self._nodes(child, depth + 1)

    @staticmethod
    def _best(nodes: list[dict[str, Any]], page_url: str) -> dict[str, Any] | None:
        """The node about ``page_url``, else the first with a headline, else the first."""
        if not nodes:
            return None
        want = _url_key(page_url)
        for node in nodes:
            if any(_url_key(u) == want for u in _node_urls(node)):
                return node
        return next((n for n in nodes if n.get("headline")), nodes[0])

    def resolve(self, value: Any) -> Any:
        """Follow an ``{"@id": ...}`` reference to the node it names, if the page defines it."""
        if isinstance(value, dict) and isinstance(value.get("@id"), str) and not value.get("name"):
            return self.by_id.get(value["@id"], value)
        return value

    def nodes(self) -> Iterator[dict[str, Any]]:
        """The post node, then its web page node."""
        if self.article is not None:
            yield self.article
        if self.page is not None:
            yield self.page

    def first(self, key: str) -> Any:
        """``key`` of the post node, else of its web page node."""
        for node in self.nodes():
            value = node.get(key)
            if value not in (None, "", [], {}):
                return value
        return None


# --- the page -------------------------------------------------------------------------------------


class _Page:
    """One walk over the tree for the element types every layer needs, plus lazily built views:
    JSON-LD, microdata, site names, the post's header and the comment/sidebar test."""

    def __init__(self, tree: etree._Element, url: str) -> None:
        self.tree = tree
        self.url = url
        self.meta: dict[str, list[str]] = {}
        self.ld_scripts: list[etree._Element] = []
        self.canonical: list[str] = []
        self.title_node: etree._Element | None = None
        self.times: list[etree._Element] = []
        self.h1s: list[etree._Element] = []
        self.h2s: list[etree._Element] = []  # only for themes that put the post title in an <h2>
        self.links: list[etree._Element] = []
        self.articles: list[etree._Element] = []
        self.substack = "substack" in urlsplit(url).netloc
        for node in tree.iter(*_WALK_TAGS):
            tag = node.tag
            if tag == "a":  # by far the most frequent: keep its branch first and cheap
                self.links.append(node)
            elif tag == "meta":
                content = node.get("content")
                if content and content.strip():
                    for attr in ("property", "name"):
                        key = node.get(attr)
                        if key:
                            self.meta.setdefault(key.strip().lower(), []).append(content)
            elif tag == "script":
                kind = (node.get("type") or "").lower()
                if "ld+json" in kind:
                    self.ld_scripts.append(node)
                elif not self.substack and "substack" in (node.get("src") or ""):
                    self.substack = True
            elif tag == "link":
                rel = (node.get("rel") or "").lower().split()
                if "canonical" in rel and node.get("href"):
                    self.canonical.append(node.get("href") or "")
                elif not self.substack and "substack" in (node.get("href") or ""):
                    self.substack = True
            elif tag == "time" or (tag == "abbr" and "published" in (node.get("class") or "")):
                self.times.append(node)  # hAtom: <abbr class="published" title="2019-10-16T14:33:00-07:00">
            elif tag == "h1":
                self.h1s.append(node)
            elif tag == "h2":
                self.h2s.append(node)
            elif tag == "title":
                if self.title_node is None:
                    self.title_node = node
            elif tag == "article":
                self.articles.append(node)
        self._jsonld: _JsonLd | None = None
        self._itemprops: dict[str, list[etree._Element]] | None = None
        self._site_keys: set[str] | None = None
        self._excluded: dict[etree._Element, bool] = {}
        self._protected: set[etree._Element] | None = None
        self._title_h1: etree._Element | None = None
        self._header: list[etree._Element] | None = None
        self._classed: dict[etree._Element, list[etree._Element]] = {}
        self._rel_links: list[tuple[etree._Element, list[str]]] | None = None
        self._author_links: list[etree._Element] | None = None
        generator = " ".join(self.meta.get("generator", [])).lower()
        self.ghost = "ghost" in generator
        self.substack = self.substack or "substack" in generator

    @property
    def rel_links(self) -> list[tuple[etree._Element, list[str]]]:
        """``<a rel=...>`` links with their lower-case ``rel`` tokens, in page order."""
        if self._rel_links is None:
            self._rel_links = [(a, rel.lower().split()) for a in self.links if (rel := a.get("rel"))]
        return self._rel_links

    @property
    def author_links(self) -> list[etree._Element]:
        """Links to author archive pages (``/author/jane-doe/``) outside comments and sidebars."""
        if self._author_links is None:
            self._author_links = [
                a for a in self.links if _AUTHOR_HREF.search(a.get("href") or "") and not self.excluded(a)
            ]
        return self._author_links

    @property
    def protected(self) -> set[etree._Element]:
        """The title ``<h1>``'s ancestors (see ``_find_title_h1``)."""
        if self._protected is None:
            self._find_title_h1()
        return self._protected or set()

    @property
    def jsonld(self) -> _JsonLd:
        """The page's JSON-LD, parsed on first use."""
        if self._jsonld is None:
            self._jsonld = _JsonLd(self.ld_scripts, self.url)
        return self._jsonld

    def meta_values(self, keys: Iterable[str]) -> list[str]:
        """Every content of the first key in ``keys`` the page has."""
        for key in keys:
            values = self.meta.get(key)
            if values:
                return values
        return []

    @property
    def itemprops(self) -> dict[str, list[etree._Element]]:
        """Microdata (``itemprop``) and RDFa (``property`` + ``content``) elements by lower-case
        property name without vocabulary prefix, outside comments and sidebars, in page order."""
        if self._itemprops is None:
            self._itemprops = {}
            for value in _XP_ITEMPROP(self.tree):
                node = value.getparent()
                if node is None or (node.tag == "meta" and value.attrname == "property"):
                    continue  # <meta property="og:..."> is Open Graph, read with the other meta tags
                names = str(value).split()
                if names and not self.excluded(node):
                    for name in names:
                        self._itemprops.setdefault(name.rsplit(":", 1)[-1].lower(), []).append(node)
        return self._itemprops

    @property
    def site_keys(self) -> set[str]:
        """Comparison keys of the site's and publisher's names and of the host ("lopinion" for lopinion.fr)."""
        if self._site_keys is None:
            names = [v for key in _SITE_NAME_KEYS for v in self.meta.get(key, [])] + self.jsonld.site_names
            keys = {_key(n.lstrip("@")) for n in names}
            host = urlsplit(self.url).netloc.lower().split(":")[0].removeprefix("www.")
            labels = host.split(".")
            if len(labels) >= 2:
                keys.update((_key(labels[-2]), _key("".join(labels[:-1])), _key(host)))
            self._site_keys = {k for k in keys if k}
        return self._site_keys

    @property
    def title_h1(self) -> etree._Element | None:
        """The post's ``<h1>``: the one whose text is the title the page's JSON-LD or Open Graph
        states, else the first one outside navigation, sidebars, comments and logos."""
        if self._protected is None:
            self._find_title_h1()
        return self._title_h1

    def _find_title_h1(self) -> None:
        self._protected = set()  # no protection while looking for the heading that defines it
        candidates = [
            n
            for n in self.h1s
            if not any(w in (n.get("class") or "").lower() for w in ("logo", "site-title", "site-name"))
            and _key(_flat(n)) not in self.site_keys
        ]
        stated = {_key(t) for t in [*_strings(self.jsonld.first("headline")), *self.meta.get("og:title", [])] if t}
        stated.discard("")

        def states_title(node: etree._Element) -> bool:
            text = _key(_flat(node))
            return bool(text) and any(text == s or (len(text) > 10 and (text in s or s in text)) for s in stated)

        h1 = next((n for n in candidates if states_title(n)), None)
        if h1 is None and stated:  # some themes (old WordPress.com, Blogger) put the post title in an <h2>
            h1 = next((n for n in self.h2s if states_title(n)), None)
        if h1 is None:
            h1 = next((n for n in candidates if not self.excluded(n) and _flat(n)), None)
        self._title_h1 = h1
        self._excluded.clear()  # verdicts made while looking for the h1 did not know the protection
        # The title <h1>'s ancestors hold the post whatever their class says ("content-area sidebar"),
        # so they are never taken for a sidebar or comment area.
        self._protected = set(h1.iterancestors()) if h1 is not None else set()

    def excluded(self, node: etree._Element) -> bool:
        """True inside a reader-comment area, a sidebar, navigation, a page footer or a "related
        posts" block: the authors, dates and tags there belong to other people and posts."""
        if self._protected is None:
            self._find_title_h1()
        protected = self._protected or set()
        chain = []
        current: etree._Element | None = node
        verdict = False
        for _ in range(_MAX_ANCESTORS):
            if current is None:
                break
            cached = self._excluded.get(current)
            if cached is not None:
                verdict = cached
                break
            chain.append(current)
            if current not in protected and _excluded_here(current):
                verdict = True
                break
            current = current.getparent()
        for element in chain:
            self._excluded[element] = verdict
        return verdict

    @property
    def header(self) -> list[etree._Element]:
        """Where the post's byline and dateline are: the title ``<h1>``'s parent up to three levels
        (stopping at its ``<article>``), then the ``<article>`` holding it (or the first one)."""
        if self._header is None:
            scopes: list[etree._Element] = []
            h1 = self.title_h1
            if h1 is not None:
                scope = h1.getparent()
                for _ in range(_HEADER_LEVELS - 1):
                    if scope is None or scope.tag == "article":
                        break
                    parent = scope.getparent()
                    if parent is None or parent.tag in ("body", "html"):
                        break
                    scope = parent
                if scope is not None and scope.tag not in ("body", "html"):
                    scopes.append(scope)
            around = set(h1.iterancestors()) if h1 is not None else set()
            article = next((a for a in self.articles if a in around), None)
            article = article if article is not None else next(iter(self.articles), None)
            if article is not None and article not in scopes:
                scopes.append(article)
            self._header = scopes
        return self._header

    def classed(self, scope: etree._Element) -> list[etree._Element]:
        """Elements with a class or id inside ``scope`` (cached: several fields look at the same scope)."""
        found = self._classed.get(scope)
        if found is None:
            found = self._classed[scope] = [scope, *_XP_CLASSED(scope)]
        return found


def _within(node: etree._Element, scope: etree._Element) -> bool:
    """True when ``scope`` is an ancestor of ``node`` (cheaper than building a set of the scope's elements)."""
    return any(a is scope for a in node.iterancestors())


def _excluded_here(node: etree._Element) -> bool:
    """True when this element itself (not its ancestors) starts a comment area, a sidebar, a menu, a
    page footer or a block of other posts, judged by its tag, schema.org type and class/id tokens."""
    tag = node.tag if isinstance(node.tag, str) else ""
    if tag in ("html", "body", "main"):
        return False
    if tag == "nav":
        return True
    if tag in ("aside", "footer") and not any(a.tag == "article" for a in node.iterancestors()):
        return True  # asides and footers inside the post's <article> hold its meta, tags and categories
    itemtype = node.get("itemtype") or node.get("typeof")
    if itemtype and _OFFPAGE_ITEMTYPE.search(itemtype):
        return True
    for attr in ("class", "id"):
        value = node.get(attr)
        if value:
            for token in value.split():
                if _COMMENT_TOKEN.fullmatch(token) or _OFFPAGE_TOKEN.fullmatch(token):
                    return True
    return False


# --- field cleaning -------------------------------------------------------------------------------


def _clean_title(value: object, site_keys: set[str], *, title_tag: bool = False) -> str | None:
    """The title without a leading or trailing site name ("Post | Site", "Site – Post").

    For the ``<title>`` element (``title_tag``) a short last segment is dropped even when it does
    not match a known site name: that is where every CMS puts it.
    """
    title = _text(value)
    if not title:
        return None
    parts = [p for p in _TITLE_SEPARATORS.split(title) if p.strip()]
    if len(parts) > 1:
        last, first = _key(parts[-1]), _key(parts[0])
        if last in site_keys or any(len(k) > 3 and k in last for k in site_keys):
            title = _span(title, parts[0], parts[-2])
        elif first in site_keys:
            title = _span(title, parts[1], parts[-1])
        elif title_tag and len(parts) == 2:
            title_words, suffix_words = len(parts[0].split()), len(parts[1].split())
            if suffix_words <= _TITLE_SUFFIX_MAX_WORDS < title_words:  # "A long post title | Blog Name"
                title = parts[0]
    if not title or len(title) > _MAX_TITLE_CHARS or _key(title) in site_keys:
        return None
    return title


def _span(title: str, first: str, last: str) -> str:
    """``title`` from the start of ``first`` to the end of ``last`` (inner separators kept)."""
    start = title.find(first)
    end = title.rfind(last) + len(last)
    return title[start:end].strip() if 0 <= start < end else first


def _split_names(text: str) -> list[str]:
    """Split a byline into names: "A and B", "A & B", "A; B", "A, B and C"; "Doe, Jane" stays one."""
    out: list[str] = []
    for piece in _AUTHOR_SPLIT.split(text):
        commas = [c.strip() for c in piece.split(",") if c.strip()]
        if len(commas) == 2 and all(len(c.split()) == 1 for c in commas):
            out.append(f"{commas[1]} {commas[0]}")  # "Doe, Jane" (citation_author style)
        else:
            out.extend(commas)  # "Jane Doe, John Roe"; a trailing ", Senior Reporter" is dropped later
    return out


def _clean_authors(raw: Iterable[object], site_keys: set[str], *, scraped: bool = False) -> list[str]:
    """Person names from author strings; placeholders, roles, dates, site names and URLs dropped.

    ``scraped`` is for text from the markup, which also carries "By", dates, "Updated ...", "|" and
    "Email the author": it is cut at the first of those. Structured values are cut at a "|" only.
    """
    names: list[str] = []
    for value in raw:
        text = _text(value)
        if not text or "://" in text or text.startswith("www."):
            continue
        text = _BY_PREFIX.sub("", text)
        if scraped or "|" in text:
            cut = _BYLINE_END.search(text)
            if cut:
                text = _DANGLING.sub("", text[: cut.start()])
        for name in _split_names(text):
            name = _FOR_SUFFIX.sub("", _BY_PREFIX.sub("", name))
            name = _NAME_EDGE.sub("", _text(_PARENTHESES.sub(" ", name)) if "(" in name else name)
            if _valid_name(name, site_keys) and (not scraped or _looks_like_name(name)):
                names.append(name.title() if name.isupper() and len(name) > 3 else name)  # "JOE HILDEBRAND"
    return list(dict.fromkeys(names))[:_MAX_AUTHORS]


def _valid_name(name: str, site_keys: set[str]) -> bool:
    """Could ``name`` be a person: short, no digits or "@", not a placeholder, role or desk, not the site."""
    if not name or len(name) > _MAX_AUTHOR_CHARS or not _HAS_LETTER.search(name):
        return False
    words = name.split()
    if len(words) > _MAX_AUTHOR_WORDS or "@" in name or any(c.isdigit() for c in name):
        return False
    folded = [w.casefold().strip(".,") for w in words]
    if name.casefold() in _JUNK_AUTHORS or name.casefold() in _MONTHS:
        return False
    if all(w in _ROLE_WORDS for w in folded) or folded[-1] in _DESK_WORDS:
        return False
    # A personal blog is often named after its author ("Wolfgang Michal" on wolfgangmichal.de): a
    # site name that reads as a person's name is kept; "Digitalcourage", "The Planetary Press" are not.
    return _key(name) not in site_keys or _personal_name(words)


def _personal_name(words: list[str]) -> bool:
    """Two or three title-case words (or particles), none of them an organisation word ("NOW Grenada" is not)."""
    return (
        2 <= len(words) <= 3
        and all((w[:1].isupper() and not w[1:].isupper()) or w.casefold() in _NAME_PARTICLES for w in words)
        and not any(w.casefold() in _ORG_WORDS for w in words)
    )


def _looks_like_name(name: str) -> bool:
    """Scraped text is only a name when every word is capitalised ("Heiko Sauer", "T. V. Raman") or a
    name particle ("von", "de la"); a single word may be a lower-case handle ("gnaddrig")."""
    words = name.split()
    if len(words) == 1:
        return True
    return all(w[:1].isupper() or w.casefold() in _NAME_PARTICLES for w in words) and not any(
        w.endswith((".", "!", "?", ":")) and len(w) > 2 for w in words
    )


def _clean_tags(values: Iterable[str]) -> list[str]:
    """Trimmed tags without post counts ("Politics (12)"), deduplicated case-insensitively, in order."""
    out: dict[str, str] = {}
    for value in values:
        tag = _TAG_PREFIX.sub("", _TAG_COUNT.sub("", _text(value))).strip("#,; ")
        if tag and len(tag) <= _MAX_TAG_CHARS and tag.casefold() not in out:
            out[tag.casefold()] = tag
    return list(out.values())[:_MAX_TAGS]


def _split_keywords(values: Iterable[str]) -> list[str]:
    """Keyword strings ("a, b, c") split into tags."""
    return [k for v in values for k in re.split(r"\s*[,;]\s*", v)]


def _absolute(value: object, base: str) -> str | None:
    """``value`` resolved against ``base``, without fragment; None unless it is an http(s) URL."""
    if not isinstance(value, str) or not value.strip():
        return None
    parts = urlsplit(urljoin(base, value.strip()))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts._replace(fragment="").geturl()


# --- the layers, per field ------------------------------------------------------------------------

Layer = tuple[str, Callable[[], Any]]


def _first(layers: Iterable[Layer]) -> tuple[Any, str | None]:
    """The first non-empty value of ``layers`` (evaluated lazily, in order) and its layer's name."""
    for name, get in layers:
        value = get()
        if value:
            return value, name
    return None, None


def _itemprop_value(node: etree._Element) -> str:
    """A microdata/RDFa property's value: ``content``, ``datetime`` or ``title``, else the element's text."""
    for attr in ("content", "datetime", "title"):
        value = node.get(attr)
        if value and value.strip():
            return value
    return _flat(node)


def _microdata(page: _Page, *props: str) -> list[str]:
    """The values of the first of ``props`` the page's microdata has."""
    for prop in props:
        nodes = page.itemprops.get(prop.lower())
        if nodes:
            return [v for v in map(_itemprop_value, nodes) if v]
    return []


def _titles(page: _Page) -> Iterator[Layer]:
    """The title's layers, in order of trust."""
    keys = page.site_keys

    def from_ld() -> str | None:
        for node in page.jsonld.nodes():
            for key in ("headline", "name"):
                if title := _clean_title(node.get(key), keys):
                    return title
        return None

    def from_values(values: Iterable[object], title_tag: bool = False) -> str | None:
        return next((t for v in values if (t := _clean_title(v, keys, title_tag=title_tag))), None)

    yield JSON_LD, from_ld
    yield OPENGRAPH, lambda: from_values(page.meta_values(_OG_TITLE))
    yield META, lambda: from_values(page.meta_values(_META_TITLE))
    yield MICRODATA, lambda: from_values(_microdata(page, "headline"))
    yield H1, lambda: from_values([_flat(page.title_h1)] if page.title_h1 is not None else [])
    yield TITLE_TAG, lambda: from_values([_flat(page.title_node)] if page.title_node is not None else [], True)


def _ld_authors(page: _Page) -> list[str]:
    """JSON-LD ``author`` (or ``creator``): strings, Person objects and ``@id`` references to them, lists
    of either; Organization authors are publishers, not people, and are skipped."""
    ld = page.jsonld
    for node in ld.nodes():
        raw = node.get("author") or node.get("creator")
        people: list[str] = []
        for item in raw if isinstance(raw, list) else [raw]:
            item = ld.resolve(item)
            if isinstance(item, str):
                people.append(item)
            elif isinstance(item, dict) and not _types(item) & _ORG_TYPES:
                names = _strings(item.get("name"))
                if not names and isinstance(item.get("givenName"), str):
                    names = [f"{item['givenName']} {item.get('familyName') or ''}"]
                people.extend(names)
        names = _clean_authors(people, page.site_keys)
        if names:
            return names
    return []


def _microdata_authors(page: _Page) -> list[str]:
    """``itemprop=author`` items: their ``itemprop=name`` parts, else the author element's own value."""
    out: list[str] = []
    for node in page.itemprops.get("author", []) + page.itemprops.get("creator", []):
        names = [n for n in node.iterdescendants() if "name" in (n.get("itemprop") or "").split()]
        out.extend(map(_itemprop_value, names or [node]))
    return out


def _author_text(node: etree._Element) -> str:
    """A byline element's text; an author photo's ``alt`` when the element has no text."""
    text = _flat(node)
    if not text:
        img = next(node.iter("img"), None)
        text = _text(img.get("alt")) if img is not None else ""
    return text


def _byline_candidates(page: _Page) -> Iterator[list[etree._Element]]:
    """Groups of byline elements, narrowest and closest to the title first: per header scope,
    ``rel=author`` links, name elements (``.fn``, ``.author-name``), whole ``.byline``/``.author``
    elements, author-archive links; then ``rel=author`` and author-archive links anywhere else."""
    rel_authors = [n for n, rel in page.rel_links if "author" in rel and not page.excluded(n)]
    protected = page.protected
    for scope in page.header:
        yield [n for n in rel_authors if _within(n, scope)]
        marked = [(n, m) for n in page.classed(scope) if _BYLINE_CLASS.search(m := f"{n.get('class')} {n.get('id')}")]
        marked = [(n, m) for n, m in marked if n not in protected and n.tag not in _NOT_BYLINE and not page.excluded(n)]
        yield [n for n, m in marked if _NAME_CLASS.search(m)]
        yield [n for n, _ in marked]
        yield [n for n in page.author_links if _within(n, scope)]
    yield rel_authors
    yield page.author_links


def _byline_authors(page: _Page) -> list[str]:
    """Names from the first group of byline elements that yields any (see ``_byline_candidates``)."""
    for group in _byline_candidates(page):
        texts = [t for t in map(_author_text, group) if len(t) <= _MAX_BYLINE_CHARS]
        names = _clean_authors(texts[:_BYLINE_TEXTS], page.site_keys, scraped=True)
        if names:
            return names
    return []


def _authors(page: _Page) -> Iterator[Layer]:
    """The authors' layers, in order of trust (``article:author`` only when it is a name, not a profile URL)."""
    keys = page.site_keys
    yield JSON_LD, lambda: _ld_authors(page)
    yield OPENGRAPH, lambda: _clean_authors((v for v in page.meta_values(_OG_AUTHOR) if "://" not in v), keys)
    yield META, lambda: _clean_authors(page.meta_values(_META_AUTHOR), keys)
    yield MICRODATA, lambda: _clean_authors(_microdata_authors(page), keys)
    yield BYLINE, lambda: _byline_authors(page)


def _dates(raw: Iterable[object], page: _Page) -> datetime | None:
    """The first value that is an ISO 8601 / RFC 2822 date, else the first that spells out a date
    ("Saturday, December 27, 2014, 12:06 PM" in ``article_date_original``)."""
    values = [v for v in raw if isinstance(v, str) and v.strip()]
    when = next((w for v in values if (w := parse_datetime(v))), None)
    if when is None and values:
        day_first = _day_first(page)
        when = next((w for v in values if (w := parse_text_date(v, day_first=day_first))), None)
    return when


def _day_first(page: _Page) -> bool | None:
    """How the page writes ``01/02/2020``: month first only in US English, unknown for plain "en"
    or no language at all (then such dates are not read). From ``<html lang>``, ``og:locale`` or
    ``content-language``, else a locale in the URL path (``/en-gb/``)."""
    lang = page.tree.get("lang") or " ".join(page.meta_values(("og:locale", "content-language", "language")))
    lang = lang.strip().lower().replace("_", "-")
    if lang in ("", "en"):
        found = re.search(r"/([a-z]{2}-[a-z]{2})/", urlsplit(page.url).path.lower())
        lang = found[1] if found else lang
    if lang.startswith("en-us"):
        return False
    return None if lang in ("", "en") else True


def _element_date(node: etree._Element, day_first: bool | None) -> datetime | None:
    """The date an element states: its ``datetime``/``content``/``title`` attribute, else its short text."""
    value = node.get("datetime") or node.get("content") or node.get("title")
    when = parse_datetime(value) if value else None
    if when is None:
        text = _flat(node)
        when = parse_text_date(text, day_first=day_first) if len(text) <= _MAX_DATE_TEXT else None
    return when


def _marks(node: etree._Element) -> str:
    """What an element says it is: its class, id and itemprop, and "pubdate" for ``<time pubdate>``."""
    marked = f"{node.get('class') or ''} {node.get('id') or ''} {node.get('itemprop') or ''}"
    return f"{marked} pubdate" if node.get("pubdate") is not None else marked


def _dated_elements(page: _Page) -> Iterator[etree._Element]:
    """Elements that may carry the publication date, most trustworthy first: ``<time>`` / hAtom
    elements marked published (``pubdate``, ``.published``, ``.entry-date``), other ``<time>``
    elements in the post's header, dated elements there (``.date``, ``.posted-on``, ``.meta``)
    marked published, then unmarked ones, then a bare dateline right after the ``<h1>``. Nothing
    marked updated/modified, nothing in comments or sidebars."""
    times = [n for n in page.times if not _UPDATED_MARK.search(_marks(n)) and not page.excluded(n)]
    yield from (n for n in times if _PUBLISHED_MARK.search(_marks(n)))
    yield from (n for n in times if any(_within(n, scope) for scope in page.header))
    for scope in page.header:
        dated = [
            n
            for n in page.classed(scope)
            if n.tag not in ("html", "body", "article")
            and _DATE_CLASS.search(marks := _marks(n))
            and not _UPDATED_MARK.search(marks)
            and not page.excluded(n)
        ]
        yield from (n for n in dated if _PUBLISHED_MARK.search(_marks(n)))
        yield from dated
    if page.title_h1 is not None:
        yield from list(page.title_h1.itersiblings())[:_H1_NEIGHBOURS]
    # a dateline beside the byline: "Gunter Frank / 22.04.2020 / 06:15"
    byline = next((n for n, rel in page.rel_links if "author" in rel and not page.excluded(n)), None)
    byline = byline if byline is not None else next(iter(page.author_links), None)
    if byline is not None and (parent := byline.getparent()) is not None:
        yield parent


def _markup_published(page: _Page) -> datetime | None:
    """The first date among ``_dated_elements``."""
    day_first = _day_first(page)
    return next((w for n in _dated_elements(page) if (w := _element_date(n, day_first))), None)


def _markup_updated(page: _Page) -> datetime | None:
    """Only ``<time>`` elements that say they are the update time (``.updated``, ``.modified``)."""
    day_first = _day_first(page)
    times = (n for n in page.times if _UPDATED_MARK.search(_marks(n)) and not page.excluded(n))
    return next((w for n in times if (w := _element_date(n, day_first))), None)


def _published(page: _Page) -> Iterator[Layer]:
    """The publication date's layers, in order of trust; the URL's date is the last resort."""
    ld = page.jsonld
    yield JSON_LD, lambda: _dates([ld.first("datePublished"), ld.first("dateCreated")], page)
    yield OPENGRAPH, lambda: _dates(page.meta_values(_OG_PUBLISHED), page)
    yield META, lambda: _dates([v for key in _META_PUBLISHED for v in page.meta.get(key, [])], page)
    yield MICRODATA, lambda: _microdata_date(page, "datepublished", "datecreated")
    yield TIME, lambda: _markup_published(page)
    yield URL, lambda: _url_date(page.url)


def _microdata_date(page: _Page, *props: str) -> datetime | None:
    """The first microdata/RDFa date of ``props`` (lower-case names), attribute or text."""
    day_first = _day_first(page)
    for prop in props:
        for node in page.itemprops.get(prop, []):
            when = _element_date(node, day_first)
            if when:
                return when
    return None


def _updated(page: _Page) -> Iterator[Layer]:
    """The update date's layers (no URL fallback: a URL only dates the first version)."""
    yield JSON_LD, lambda: _dates([page.jsonld.first("dateModified")], page)
    yield OPENGRAPH, lambda: _dates(page.meta_values(_OG_MODIFIED), page)
    yield META, lambda: _dates([v for key in _META_MODIFIED for v in page.meta.get(key, [])], page)
    yield MICRODATA, lambda: _microdata_date(page, "datemodified")
    yield TIME, lambda: _markup_updated(page)


def _rel_links(page: _Page, kind: str) -> list[str]:
    """Texts of ``rel=tag`` (kind "tag") or ``rel=category`` (kind "category") links outside comments
    and sidebars (WordPress marks categories ``rel="category tag"``); for tags, links inside tag-list
    elements of the post (``.tags-links``, ``.post-tags``) when no link says ``rel=tag``."""
    out = [
        _flat(n)
        for n, rel in page.rel_links
        if ("category" in rel if kind == "category" else "tag" in rel and "category" not in rel)
        and not page.excluded(n)
    ]
    if not out and kind == "tag":
        for scope in page.header[-1:]:
            lists = [n for n in page.classed(scope) if _TAGLIST_CLASS.search(n.get("class") or "")]
            out = [_flat(a) for lst in lists if not page.excluded(lst) for a in lst.iter("a")]
    return _clean_tags(out)


def _term_classes(page: _Page, kind: str) -> list[str]:
    """WordPress ``post_class()`` terms on the post's container (``<article class="post hentry
    category-politik tag-green-new-deal">``) as words: "politik", "green new deal". Accents and case
    are lost in the slugs, so this comes after every other source."""
    h1 = page.title_h1
    for node in h1.iterancestors() if h1 is not None else ():
        classes = node.get("class") or ""
        if node.tag == "article" or "hentry" in classes.split():
            terms = [m[2] for c in classes.split() if (m := _WP_TERM_CLASS.match(c)) and m[1] == kind]
            return _clean_tags(t.replace("-", " ") for t in terms if not t.isdigit())
    return []


def _categories(page: _Page) -> Iterator[Layer]:
    """The categories' layers (``articleSection``, ``article:section``, ``rel="category tag"``, ...)."""
    yield JSON_LD, lambda: _clean_tags(_strings(page.jsonld.first("articleSection")))
    yield OPENGRAPH, lambda: _clean_tags(page.meta_values(("article:section",)))
    yield META, lambda: _clean_tags(page.meta_values(_META_SECTION))
    yield MICRODATA, lambda: _clean_tags(_microdata(page, "articleSection"))
    yield REL_TAG, lambda: _rel_links(page, "category")
    yield MARKUP, lambda: _term_classes(page, "category")


def _tags(page: _Page) -> Iterator[Layer]:
    """The tags' layers; meta ``keywords`` (SEO lists) come after everything else."""

    def ld() -> list[str]:
        value = page.jsonld.first("keywords")
        return _clean_tags(_split_keywords([value]) if isinstance(value, str) else _strings(value))

    yield JSON_LD, ld
    yield OPENGRAPH, lambda: _clean_tags(page.meta_values(("article:tag",)))
    yield META, lambda: _clean_tags(_split_keywords(page.meta_values(_META_TAGS)))
    yield MICRODATA, lambda: _clean_tags(_split_keywords(_microdata(page, "keywords")))
    yield REL_TAG, lambda: _rel_links(page, "tag")
    yield MARKUP, lambda: _term_classes(page, "tag")
    yield META, lambda: _clean_tags(_split_keywords(page.meta_values(_META_KEYWORDS)))


def _canonical(page: _Page) -> Iterator[Layer]:
    """The canonical URL's layers; the fetched URL is the fallback."""

    def ld() -> str | None:
        node = page.jsonld.article or page.jsonld.page
        return next((u for v in _node_urls(node) if (u := _absolute(v, page.url))), None) if node else None

    yield JSON_LD, ld
    yield OPENGRAPH, lambda: next((u for v in page.meta.get("og:url", []) if (u := _absolute(v, page.url))), None)
    yield META, lambda: next((u for v in page.canonical if (u := _absolute(v, page.url))), None)
    yield URL, lambda: _absolute(page.url, page.url)


def _access_value(value: object) -> str | None:
    """``isAccessibleForFree`` (boolean or "true"/"false") as "public" or "paid"."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        value = value.strip().lower() == "true"
    if isinstance(value, bool):
        return "public" if value else "paid"
    return None


def _access(page: _Page) -> Iterator[Layer]:
    """Access layers: schema.org ``isAccessibleForFree``, ``article:content_tier``, Ghost/Substack paywall boxes."""

    def ld() -> str | None:
        for node in page.jsonld.nodes():
            verdict = _access_value(node.get("isAccessibleForFree"))
            parts = node.get("hasPart")
            for part in parts if isinstance(parts, list) else [parts]:
                if isinstance(part, dict) and _access_value(part.get("isAccessibleForFree")) == "paid":
                    # a walled section: a free sign-up wall (".emailwall", ".regwall") or a paywall
                    wall = str(part.get("cssSelector") or "")
                    verdict = "members" if _SIGNUP_WALL.search(wall) else "paid"
                    break
            if verdict:
                return verdict
        return None

    def tier() -> str | None:  # article:content_tier (Facebook/OG): free | locked | metered
        value = " ".join(page.meta_values(("article:content_tier",))).strip().lower()
        return {"free": "public", "locked": "paid"}.get(value)

    def markers() -> str | None:
        boxes = (_XP_GHOST_CTA(page.tree) if page.ghost else []) + (
            _XP_SUBSTACK_PAYWALL(page.tree) if page.substack else []
        )
        for box in boxes:  # Ghost "This post is for (paying) subscribers only"; Substack "... paid subscribers"
            return "paid" if _PAYWALL_PAID.search(_flat(box)) else "members"
        return None

    yield JSON_LD, ld
    yield OPENGRAPH, tier
    yield MICRODATA, lambda: next(filter(None, map(_access_value, _microdata(page, "isAccessibleForFree"))), None)
    yield MARKUP, markers


def page_metadata(tree: etree._Element, url: str) -> PageMetadata:
    """Metadata of the page ``tree`` (as parsed by ``trafilatura.load_html``) fetched from ``url``.

    Never raises on odd markup or broken JSON-LD: a field the page does not state is None or empty.
    The fetch URL is the fallback for the canonical URL and the last resort for the date.
    """
    page = _Page(tree, url)
    sources: dict[str, str] = {}

    def resolve(name: str, layers: Iterable[Layer]) -> Any:
        value, source = _first(layers)
        if source:
            sources[name] = source
        return value

    title = resolve("title", _titles(page))
    authors = resolve("authors", _authors(page)) or []
    published = resolve("published_at", _published(page))
    updated = resolve("updated_at", _updated(page))
    categories, category_source = _first(_categories(page))
    tags, tag_source = _first(_tags(page))
    all_tags = _clean_tags([*(categories or []), *(tags or [])])
    if all_tags:
        sources["tags"] = tag_source or category_source or META
        if category_source and tag_source and category_source != tag_source:
            sources["categories"] = category_source
    canonical = resolve("canonical_url", _canonical(page))
    access = resolve("access", _access(page))
    return PageMetadata(
        title=title,
        authors=tuple(authors),
        published_at=published,
        updated_at=updated,
        tags=tuple(all_tags),
        canonical_url=canonical,
        access=access,
        sources=sources,
    )
