"""Title, authors, dates, tags, canonical URL and access of one post page, and where each came from.

``trafilatura.bare_extraction(..., with_metadata=True)`` spends about a third of the cleaner's CPU
on metadata (docs/extraction.md, "Metadata") and does not say which part of the page a value came
from. This module reads the lxml tree the cleaner already has (``trafilatura.load_html``) and
takes each field from the most trustworthy place that has it, in this order:

1. JSON-LD (``<script type="application/ld+json">``, ``@graph`` aware): the publisher's own
   structured description of the post, usually written by the CMS or an SEO plugin;
2. Open Graph and ``article:*`` meta (``og:title``, ``article:published_time``, ``article:tag``, ...);
3. other meta (``author``, ``parsely-*``, ``sailthru.*``, ``dc.*``, ``citation_*``, ``rel=canonical``);
4. microdata (``itemprop=author/name``, ``itemprop=datePublished``, ...);
5. markup heuristics: ``<time datetime>`` in the article or its header, byline elements
   (``.byline``, ``.author``, ``rel=author``, ``vcard``), ``rel=tag`` / ``rel="category tag"``
   links, the ``<h1>``, the ``<title>`` minus its " | Site name" suffix;
6. the URL (``/YYYY/MM/DD/``: a date with day precision; the fetched URL as the canonical one).

``PageMetadata.sources`` records the layer of every value found (``"json-ld"``, ``"opengraph"``,
``"meta"``, ``"microdata"``, ``"time"``, ``"byline"``, ``"rel-tag"``, ``"h1"``, ``"title-tag"``,
``"url"``; ``"markup"`` for the Ghost/Substack paywall markers). Later layers are only evaluated
for the fields still missing, so a page with good JSON-LD costs a handful of XPath calls. The tree
is only read, never changed. Anything inside a reader-comment area is ignored, so a commenter is
never taken for the author and a comment's date never for the post's.
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

__all__ = ["PageMetadata", "page_metadata", "parse_datetime"]

JSON_LD = "json-ld"
OPENGRAPH = "opengraph"
META = "meta"
MICRODATA = "microdata"
TIME = "time"
BYLINE = "byline"
REL_TAG = "rel-tag"
H1 = "h1"
TITLE_TAG = "title-tag"
URL = "url"
MARKUP = "markup"

# Plausible publication years: earlier values are CMS placeholders ("0000-00-00", "1970-01-01"
# epochs), later ones typos; both are discarded rather than stored.
_MIN_YEAR, _MAX_YEAR = 1990, 2100
_MAX_TITLE_CHARS = 300  # longer "titles" are a paragraph picked up by mistake
_MAX_AUTHOR_CHARS = 60  # a byline longer than this is an author bio, not a name
_MAX_AUTHOR_WORDS = 5  # "Eleanor Ainge Roy", "Kiran C Nair"; more words is prose
_MAX_TAG_CHARS = 60  # longer "tags" are sentences from SEO keyword stuffing
_MAX_TAGS = 40  # enough for every annotated page; keyword dumps beyond this are noise
_MAX_AUTHORS = 10  # group bylines ("wired_001" credits 10); more is a list of related stories
_MAX_ANCESTORS = 40  # deeper trees are pathological; stop walking up for the comment/sidebar test
_MAX_BYLINE_CANDIDATES = 30  # byline elements examined per XPath (tag clouds of author links are long)

_SPACE = re.compile(r"\s+")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_SLASH_DATE = re.compile(r"^(\d{4})/(\d{2})/(\d{2})")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])(?:/|$|[-_.])")
_URL_ISO_DATE = re.compile(r"/((?:19|20)\d{2})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:/|$|[-_.])")

# Article-like schema.org types; WebPage-like ones are the fallback (Yoast puts dates there).
_ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "blogposting",
        "reportagenewsarticle",
        "opinionnewsarticle",
        "analysisnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "asknewsarticle",
        "askpublicnewsarticle",
        "satiricalarticle",
        "scholarlyarticle",
        "techarticle",
        "report",
        "liveblogposting",
        "socialmediaposting",
        "discussionforumposting",
    }
)
_PAGE_TYPES = frozenset({"webpage", "itempage", "aboutpage", "profilepage", "medicalwebpage", "realestatelisting"})
_ORG_TYPES = frozenset({"organization", "newsmediaorganization", "corporation", "website", "brand"})

# <meta> keys per field, in order of trust within the "meta" layer.
_META_TITLE = ("parsely-title", "sailthru.title", "dc.title", "dcterms.title", "citation_title", "twitter:title")
_META_AUTHOR = (
    "author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "citation_author",
    "byl",  # NYT: "By Jeffrey Gettleman"
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
_META_LAST_RESORT_TAGS = ("keywords",)  # SEO keyword lists: used only when the page has no tags anywhere else
_OG_PUBLISHED = ("article:published_time", "og:published_time", "article:published")
_OG_MODIFIED = ("article:modified_time", "og:updated_time", "article:modified")
_SITE_NAME_KEYS = ("og:site_name", "application-name", "twitter:site", "publisher", "dc.publisher", "copyright")

# Author strings that are never a person: placeholders, roles, boilerplate around bylines.
_JUNK_AUTHORS = frozenset(
    {
        "by",
        "admin",
        "administrator",
        "wordpressadmin",
        "username",
        "user",
        "webmaster",
        "staff",
        "editor",
        "editors",
        "author",
        "authors",
        "autor",
        "auteur",
        "autore",
        "redaktion",
        "redaction",
        "rédaction",
        "redacción",
        "editorial",
        "team",
        "guest",
        "anonymous",
        "unknown",
        "contributor",
        "contributors",
        "reporter",
        "correspondent",
        "email the author",
        "email",
        "follow",
        "posted",
        "posted by",
        "written by",
        "view all posts",
        "more",
        "home",
        "news",
        "share",
    }
)
# Words that make a byline fragment a job title, not a name ("Jane Doe, Senior Reporter").
_ROLE_WORDS = frozenset(
    {
        "staff",
        "writer",
        "reporter",
        "editor",
        "correspondent",
        "contributor",
        "columnist",
        "senior",
        "chief",
        "associate",
        "contributing",
        "deputy",
        "managing",
        "desk",
        "producer",
        "analyst",
        "photographer",
    }
)
_BY_PREFIX = re.compile(
    r"^(?:(?:posted|written|published|story|words|text|article|reporting)\s+)?"
    r"(?:by|von|par|por|di|door|av|from|autor(?:in)?|author|auteur)\s*[:\-–]?\s+",
    re.I,
)
_LABEL_PREFIX = re.compile(r"^(?:author|autor|auteur|byline|posted by|written by)\s*:\s*", re.I)
# Where a byline stops being a name: separators, dates, "Updated", "Email the author", ...
_BYLINE_END = re.compile(
    r"\s[|•·]\s?|\s[|•·]$|[|•·]|\s[-–—]\s|\n|\t"
    r"|\b(?:updated|published|posted|email|e-mail|follow|twitter|facebook|share|comments?|on)\b"
    r"|\b(?:am|le|el|vom|den|dem)\s+\d"
    r"|\d{1,2}[./]\s?\d{1,2}[./]|\d{4}"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d"
    r"|\b\d{1,2}\.?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|januar|februar|märz|mai|juni|juli"
    r"|oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre)",
    re.I,
)
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|&|\band\b|\bund\b|\bet\b|\by\b|\bu\.\b)\s*", re.I)
_FOR_SUFFIX = re.compile(r"\s+(?:for|für|pour|para)\s+(?:the\s+|die\s+|der\s+|le\s+|la\s+)?\S.*$", re.I)
_NAME_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_NOT_ALNUM = re.compile(r"[\W_]+")

# Title separators between a post's title and its site's name ("Title | Site", "Site – Title").
_TITLE_SEPARATORS = re.compile(r"\s+[|–—·•»«:\-~/]\s+|\s*\|\s*|\s+::\s+")
_TITLE_SUFFIX_MAX_WORDS = 4  # an unrecognised last segment this short is taken for the site name

# Reader-comment areas: class or id tokens of WordPress, Disqus, Blogger and common themes.
_COMMENT_TOKEN = re.compile(
    r"comments?|commentlist|comment-?list|comments?[-_](?:area|section|wrapper|container|thread|list|block|box"
    r"|content|body|holder|respond|inner|widget)|comment[-_]\d+|comment[-_](?:body|content|text|author|meta"
    r"|metadata|respond|thread|item|entry|wrapper|container)|div-comment-\d+|disqus(?:_thread)?|respond"
    r"|dsq-\w+|talk-stream|coral[-_]\w*",
    re.I,
)
# Regions that hold other posts or site chrome, not the post's own byline or tags.
_OFFPAGE_TAGS = frozenset({"aside", "footer", "nav"})
_OFFPAGE_TOKEN = re.compile(
    r"sidebar|widget(?:-area)?|related(?:[-_]\w+)?|footer|site-footer|menu|navigation|navbar|nav|recommended"
    r"|most-popular|popular-posts|more-stories|read-next|trending|teaser|promo|newsletter|author-bio|about-author"
    r"|tagcloud|tag-cloud|wp-block-tag-cloud",
    re.I,
)
_PAYWALL_PAID = re.compile(r"paid|paying|premium|tier|bezahl|abonn|payant", re.I)


def _xp(expr: str) -> etree.XPath:
    return etree.XPath(expr)


_XP_JSON_LD = _xp('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]')
_XP_CANONICAL = _xp('//link[contains(concat(" ", normalize-space(@rel), " "), " canonical ")]/@href')
_XP_ITEMPROP = _xp("//*[@itemprop]")
_XP_TIME = _xp(
    "//article//time[@datetime] | //header//time[@datetime] | //main//time[@datetime]"
    ' | //*[@class and contains(concat(" ", normalize-space(@class), " "), " published ")][@title]'
)
_XP_REL_AUTHOR = _xp('//a[contains(concat(" ", normalize-space(@rel), " "), " author ")]')
_BYLINE_XPATHS = tuple(
    _xp(x)
    for x in (
        # narrowest first: a name element inside a byline, then whole bylines
        '//*[contains(@class, "byline") or contains(@class, "author")]//*[contains(@class, "fn")'
        ' or contains(@class, "name") or @rel="author"]',
        '//*[contains(@class, "vcard")]//*[contains(@class, "fn")]',
        '//*[contains(@class, "author-name") or contains(@class, "authorName") or contains(@class, "author_name")'
        ' or contains(@class, "byline__name") or contains(@class, "byline-name")]',
        '//*[contains(@class, "byline") or contains(@id, "byline")]',
        '//*[contains(concat(" ", normalize-space(@class), " "), " author ")'
        ' or contains(@class, "post-author") or contains(@class, "entry-author") or contains(@class, "article-author")'
        ' or contains(@class, "story-author")]',
    )
)
_XP_REL_TAG = _xp(
    '//a[contains(concat(" ", normalize-space(@rel), " "), " tag ")'
    ' or contains(concat(" ", normalize-space(@rel), " "), " category ")]'
)
_XP_TAG_LINKS = _xp(
    '//*[contains(@class, "tags-links") or contains(@class, "cat-links") or contains(@class, "post-tags")'
    ' or contains(@class, "entry-tags") or contains(@class, "post-categories") or contains(@class, "entry-categories")'
    ' or contains(@class, "article-tags") or contains(@class, "tag-list") or contains(@class, "tags-list")]//a'
)
_XP_H1 = _xp("//h1")
_XP_GHOST_CTA = _xp('//*[contains(@class, "gh-post-upgrade-cta")]')
_XP_SUBSTACK_PAYWALL = _xp(
    '//*[contains(concat(" ", normalize-space(@class), " "), " paywall ") or @data-component-name="Paywall"]'
)


@dataclass(frozen=True)
class PageMetadata:
    """What the page says about itself; ``sources`` maps each field found to the layer it came from.

    ``tags`` are the page's tags and categories together (deduplicated case-insensitively, in page
    order: categories first). ``sources`` may also hold ``"categories"`` when the categories came
    from a different layer than the tags. ``access`` is ``"public"``, ``"paid"``, ``"members"`` or
    None when the page does not say.
    """

    title: str | None
    authors: tuple[str, ...]
    published_at: datetime | None  # aware, UTC
    updated_at: datetime | None  # aware, UTC
    tags: tuple[str, ...]
    canonical_url: str | None  # absolute
    access: str | None
    sources: dict[str, str] = field(default_factory=dict)


def _text(value: str | None) -> str:
    """Whitespace-collapsed, entity-decoded text (JSON-LD and meta often carry ``&amp;``, ``&#8217;``)."""
    if not value:
        return ""
    if "&" in value:
        value = html.unescape(value)
    return _SPACE.sub(" ", value).strip()


def _flat(node: etree._Element) -> str:
    return _text("".join(node.itertext()))


def _key(value: str) -> str:
    """Comparison key for names: letters and digits only, case-folded ("L'Opinion" -> "lopinion")."""
    return _NOT_ALNUM.sub("", value.casefold())


def parse_datetime(value: object) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 (or RFC 2822) string; None for anything else.

    Offsets and ``Z`` are honoured, a naive value is taken as UTC, a bare date is midnight UTC.
    Week dates, years outside 1990-2100 and unparseable strings are discarded.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    slash = _SLASH_DATE.match(text)
    if slash:
        text = f"{slash[1]}-{slash[2]}-{slash[3]}{text[10:]}"
    when: datetime | None = None
    if _ISO_DATE.match(text):
        candidate = text.replace(" +", "+").replace(" -", "-") if len(text) > 10 else text
        try:
            when = datetime.fromisoformat(candidate.replace("z", "Z"))
        except ValueError:
            try:  # a trailing zone name or junk after a valid date-time ("2019-07-25T10:00:00 EST")
                when = datetime.fromisoformat(candidate[:19])
            except ValueError:
                try:
                    when = datetime.fromisoformat(candidate[:10])
                except ValueError:
                    return None
    elif text[:1].isalpha():  # "Thu, 25 Jul 2019 10:00:00 GMT"
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if when is None or not _MIN_YEAR <= when.year <= _MAX_YEAR:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


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
    text = text.strip()
    for prefix in ("<!--", "//<![CDATA[", "<![CDATA["):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    for suffix in ("-->", "//]]>", "]]>"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    text = text.strip().rstrip(";")
    try:
        return json.loads(text, strict=False)  # strict=False: raw newlines inside strings are common
    except ValueError:
        return None


class _JsonLd:
    """The page's JSON-LD nodes: the post (first article-typed node), its web page, and an ``@id`` index."""

    def __init__(self, tree: etree._Element, page_url: str) -> None:
        self.article: dict[str, Any] | None = None
        self.page: dict[str, Any] | None = None
        self.by_id: dict[str, dict[str, Any]] = {}
        self.site_names: list[str] = []
        articles: list[dict[str, Any]] = []
        pages: list[dict[str, Any]] = []
        for script in _XP_JSON_LD(tree):
            data = _load_json(script.text or "")
            if data is None:
                continue
            for node in self._nodes(data):
                types = _types(node)
                if types & _ARTICLE_TYPES:
                    articles.append(node)
                elif types & _PAGE_TYPES:
                    pages.append(node)
                elif types & _ORG_TYPES and isinstance(node.get("name"), str):
                    self.site_names.append(node["name"])
        for node in [*articles, *pages]:
            publisher = self.resolve(node.get("publisher"))
            if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
                self.site_names.append(publisher["name"])
        self.article = self._best(articles, page_url)
        self.page = self._best(pages, page_url)

    def _nodes(self, data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
        """Top-level nodes, ``@graph`` members and ``mainEntity`` children (not every nested object:
        an ``ItemList`` of other posts must not be taken for this one)."""
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
        """The node about this URL if one says so, else the first with a headline, else the first."""
        if not nodes:
            return None
        want = _url_key(page_url)
        for node in nodes:
            if want and any(_url_key(u) == want for u in _node_urls(node)):
                return node
        return next((n for n in nodes if n.get("headline")), nodes[0])

    def resolve(self, value: Any) -> Any:
        """Follow an ``{"@id": ...}`` reference to the node it names, if the page defines it."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and isinstance(value.get("@id"), str):
            return self.by_id.get(value["@id"], value)
        return value

    def nodes(self) -> Iterator[dict[str, Any]]:
        """The post node, then its web page node."""
        if self.article is not None:
            yield self.article
        if self.page is not None:
            yield self.page

    def first(self, *keys: str) -> Any:
        for node in self.nodes():
            for key in keys:
                value = node.get(key)
                if value not in (None, "", []):
                    return value
        return None


def _node_urls(node: dict[str, Any]) -> Iterator[str]:
    for key in ("url", "mainEntityOfPage", "@id"):
        value = node.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str):
            yield value


def _url_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc.lower().removeprefix('www.')}{parts.path.rstrip('/')}"


def _strings(value: Any) -> list[str]:
    """A JSON-LD value as a list of strings (a string, a list of them, or ``{"name": ...}`` objects)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _strings(value.get("name"))
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


# --- the page -------------------------------------------------------------------------------------


class _Page:
    """Lazily computed views of one tree: meta tags, JSON-LD, microdata, site names."""

    def __init__(self, tree: etree._Element, url: str) -> None:
        self.tree = tree
        self.url = url
        self.meta: dict[str, list[str]] = {}
        for node in tree.iter("meta"):
            content = node.get("content")
            if content is None or not content.strip():
                continue
            for attr in ("property", "name"):
                key = node.get(attr)
                if key:
                    self.meta.setdefault(key.strip().lower(), []).append(content)
        self._jsonld: _JsonLd | None = None
        self._itemprops: dict[str, list[etree._Element]] | None = None
        self._site_keys: set[str] | None = None
        self._excluded: dict[etree._Element, bool] = {}

    @property
    def jsonld(self) -> _JsonLd:
        if self._jsonld is None:
            self._jsonld = _JsonLd(self.tree, self.url)
        return self._jsonld

    def meta_values(self, keys: Iterable[str]) -> list[str]:
        """Contents of the first key in ``keys`` the page has (every occurrence of it)."""
        for key in keys:
            values = self.meta.get(key)
            if values:
                return values
        return []

    @property
    def itemprops(self) -> dict[str, list[etree._Element]]:
        """Microdata elements by ``itemprop`` (outside comments and sidebars), in page order."""
        if self._itemprops is None:
            self._itemprops = {}
            for node in _XP_ITEMPROP(self.tree):
                if self.excluded(node):
                    continue
                for prop in (node.get("itemprop") or "").split():
                    self._itemprops.setdefault(prop.lower(), []).append(node)
        return self._itemprops

    @property
    def site_keys(self) -> set[str]:
        """Comparison keys of the site's and publisher's names, and of the host ("lopinion" for lopinion.fr)."""
        if self._site_keys is None:
            names = [v for key in _SITE_NAME_KEYS for v in self.meta.get(key, [])] + self.jsonld.site_names
            keys = {_key(n.lstrip("@")) for n in names}
            host = urlsplit(self.url).netloc.lower().split(":")[0].removeprefix("www.")
            labels = host.split(".")
            if len(labels) >= 2:
                keys.add(_key(labels[-2]))
                keys.add(_key("".join(labels[:-1])))
                keys.add(_key(host))
            self._site_keys = {k for k in keys if k}
        return self._site_keys

    def excluded(self, node: etree._Element) -> bool:
        """True for elements inside a reader-comment area, a sidebar, a footer, navigation or a
        "related posts" block: their authors, dates and tags belong to other people and posts."""
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
            if _is_excluded_here(current):
                verdict = True
                break
            current = current.getparent()
        for element in chain:
            self._excluded[element] = verdict
        return verdict


def _is_excluded_here(node: etree._Element) -> bool:
    tag = node.tag if isinstance(node.tag, str) else ""
    if tag in ("html", "body"):
        return False
    if tag in _OFFPAGE_TAGS:
        # WordPress themes put the post's own categories and tags in a <footer> inside its <article>
        return not (tag == "footer" and any(a.tag == "article" for a in node.iterancestors()))
    itemtype = node.get("itemtype")
    if itemtype and "comment" in itemtype.lower():
        return True
    for attr in ("id", "class"):
        value = node.get(attr)
        if not value:
            continue
        for token in value.split():
            if _COMMENT_TOKEN.fullmatch(token) or _OFFPAGE_TOKEN.fullmatch(token):
                return True
    return False


# --- field cleaning -------------------------------------------------------------------------------


def _clean_title(value: str, site_keys: set[str], *, strip_unknown_suffix: bool) -> str | None:
    """The title without a leading or trailing site name ("Post title | Site", "Site – Post title").

    For the ``<title>`` element (``strip_unknown_suffix``) a short last segment is dropped even when
    it does not match a known site name: that is where every CMS puts it.
    """
    title = _text(value)
    if not title:
        return None
    parts = [p for p in _TITLE_SEPARATORS.split(title) if p.strip()]
    if len(parts) > 1:
        if _key(parts[-1]) in site_keys or any(k and k in _key(parts[-1]) for k in site_keys if len(k) > 3):
            parts = parts[:-1]
        elif _key(parts[0]) in site_keys:
            parts = parts[1:]
        elif strip_unknown_suffix and len(parts[-1].split()) <= _TITLE_SUFFIX_MAX_WORDS and len(parts) == 2:
            longest = max(parts, key=len)
            parts = [longest] if len(longest.split()) > _TITLE_SUFFIX_MAX_WORDS else parts[:-1]
        if len(parts) != len(_TITLE_SEPARATORS.split(title)):
            title = _rejoin(title, parts)
    if not title or len(title) > _MAX_TITLE_CHARS or _key(title) in site_keys:
        return None
    return title


def _rejoin(title: str, parts: list[str]) -> str:
    """The span of ``title`` from the first kept part to the end of the last (keeps inner separators)."""
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if start >= 0 and end > start else " ".join(parts)


def _split_names(text: str) -> list[str]:
    """Split a byline into names: "A and B", "A & B", "A; B", "A, B and C"; "Doe, Jane" stays whole."""
    pieces = [p for p in _AUTHOR_SPLIT.split(text) if p and p.strip()]
    out: list[str] = []
    for piece in pieces:
        commas = [c.strip() for c in piece.split(",") if c.strip()]
        if len(commas) > 1 and sum(len(c.split()) >= 2 for c in commas) >= len(commas) - 1:
            out.extend(commas)  # "Jane Doe, John Roe" (a trailing role is dropped below)
        elif len(commas) > 1 and all(len(c.split()) == 1 for c in commas) and len(commas) == 2:
            out.append(f"{commas[1]} {commas[0]}")  # "Doe, Jane" (citation_author style)
        else:
            out.append(piece)
    return out


def _clean_authors(raw: Iterable[str], site_keys: set[str], *, free_text: bool) -> list[str]:
    """Person names from author strings; placeholders, roles, dates, site names and URLs dropped.

    ``free_text`` is for bylines scraped from the markup, which also carry "By", dates, "Updated
    ..." and "|"-separated extras; structured values (JSON-LD, meta) get the same cleaning.
    """
    names: list[str] = []
    for value in raw:
        text = _text(value)
        if not text or "://" in text or text.startswith("www."):
            continue
        text = _LABEL_PREFIX.sub("", text)
        text = _BY_PREFIX.sub("", text)
        if free_text or "|" in text:
            cut = _BYLINE_END.search(text)
            if cut and cut.start() > 0:
                text = text[: cut.start()]
            elif cut:
                continue
        for name in _split_names(text):
            name = _FOR_SUFFIX.sub("", _BY_PREFIX.sub("", name.strip()))
            name = _NAME_EDGE.sub("", name.split("(")[0]) if "(" in name else _NAME_EDGE.sub("", name)
            if not _valid_name(name, site_keys):
                continue
            if name.isupper() and len(name) > 3:
                name = name.title()  # "JOE HILDEBRAND" -> "Joe Hildebrand"
            names.append(name)
    return list(dict.fromkeys(names))[:_MAX_AUTHORS]


def _valid_name(name: str, site_keys: set[str]) -> bool:
    if not name or len(name) > _MAX_AUTHOR_CHARS or not _HAS_LETTER.search(name):
        return False
    words = name.split()
    if len(words) > _MAX_AUTHOR_WORDS or "@" in name or any(c.isdigit() for c in name):
        return False
    lowered = name.casefold()
    if lowered in _JUNK_AUTHORS or all(w.casefold().strip(".,") in _ROLE_WORDS for w in words):
        return False
    if len(words) > 1 and words[-1].casefold() in _ROLE_WORDS and words[0].casefold() in _ROLE_WORDS:
        return False
    key = _key(name)
    return key not in site_keys and key not in {_key(j) for j in ("says", "wrote")}


def _clean_tags(values: Iterable[str]) -> list[str]:
    out: dict[str, str] = {}
    for value in values:
        tag = _text(value).strip("#,; ")
        if tag and len(tag) <= _MAX_TAG_CHARS and tag.casefold() not in out:
            out[tag.casefold()] = tag
    return list(out.values())[:_MAX_TAGS]


def _split_keywords(values: Iterable[str]) -> list[str]:
    """Keyword strings ("a, b, c") split into tags; a list keeps its items."""
    return [k for v in values for k in re.split(r"\s*[,;]\s*", v)]


def _absolute(value: str | None, base: str) -> str | None:
    if not value or not value.strip():
        return None
    url = urljoin(base, value.strip())
    parts = urlsplit(url)
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
    for attr in ("content", "datetime", "title"):
        value = node.get(attr)
        if value and value.strip():
            return value
    return _flat(node)


def _microdata(page: _Page, *props: str) -> list[str]:
    for prop in props:
        nodes = page.itemprops.get(prop.lower())
        if nodes:
            return [v for v in map(_itemprop_value, nodes) if v]
    return []


def _microdata_authors(page: _Page) -> list[str]:
    out: list[str] = []
    for node in page.itemprops.get("author", []) + page.itemprops.get("creator", []):
        names = [n for n in node.iter() if n is not node and "name" in (n.get("itemprop") or "").split()]
        if names:
            out.extend(_itemprop_value(n) for n in names)
        else:
            out.append(_itemprop_value(node))
    return out


def _titles(page: _Page) -> Iterator[Layer]:
    keys = page.site_keys
    ld = page.jsonld

    def from_ld() -> str | None:
        for node in ld.nodes():
            for key in ("headline", "name"):
                value = node.get(key)
                if isinstance(value, str) and (title := _clean_title(value, keys, strip_unknown_suffix=False)):
                    return title
        return None

    def from_values(values: list[str], strip: bool = False) -> str | None:
        for value in values:
            title = _clean_title(value, keys, strip_unknown_suffix=strip)
            if title:
                return title
        return None

    def from_h1() -> str | None:
        for node in _XP_H1(page.tree):
            if page.excluded(node):
                continue
            classes = (node.get("class") or "").lower()
            if "logo" in classes or "site-title" in classes or "site-name" in classes:
                continue
            title = _clean_title(_flat(node), keys, strip_unknown_suffix=False)
            if title:
                return title
        return None

    def from_title_tag() -> str | None:
        node = page.tree.find(".//title")
        return from_values([_flat(node)], strip=True) if node is not None else None

    yield JSON_LD, from_ld
    yield OPENGRAPH, lambda: from_values(page.meta.get("og:title", []))
    yield META, lambda: from_values(page.meta_values(_META_TITLE))
    yield MICRODATA, lambda: from_values(_microdata(page, "headline"))
    yield H1, from_h1
    yield TITLE_TAG, from_title_tag


def _ld_authors(page: _Page) -> list[str]:
    ld = page.jsonld
    for node in ld.nodes():
        raw = node.get("author") or node.get("creator")
        if not raw:
            continue
        people: list[str] = []
        for item in raw if isinstance(raw, list) else [raw]:
            item = ld.resolve(item)
            if isinstance(item, str):
                people.append(item)
            elif isinstance(item, dict) and not (_types(item) & _ORG_TYPES):
                names = _strings(item.get("name"))
                if not names and isinstance(item.get("givenName"), str):
                    names = [f"{item['givenName']} {item.get('familyName') or ''}"]
                people.extend(names)
        names = _clean_authors(people, page.site_keys, free_text=False)
        if names:
            return names
    return []


def _byline_authors(page: _Page) -> list[str]:
    """Names from the byline markup: ``rel=author`` links, then byline and author elements."""
    keys = page.site_keys
    for xpath in (_XP_REL_AUTHOR, *_BYLINE_XPATHS):
        texts = []
        for node in xpath(page.tree)[:_MAX_BYLINE_CANDIDATES]:
            if page.excluded(node):
                continue
            texts.append(_flat(node))
        names = _clean_authors(texts[:3], keys, free_text=True)  # the post's own byline comes first
        if names:
            return names
    return []


def _authors(page: _Page) -> Iterator[Layer]:
    keys = page.site_keys

    def og() -> list[str]:
        values = [v for v in page.meta_values(("article:author", "og:article:author")) if "://" not in v]
        return _clean_authors(values, keys, free_text=False)

    yield JSON_LD, lambda: _ld_authors(page)
    yield OPENGRAPH, og
    yield META, lambda: _clean_authors(page.meta_values(_META_AUTHOR), keys, free_text=False)
    yield MICRODATA, lambda: _clean_authors(_microdata_authors(page), keys, free_text=False)
    yield BYLINE, lambda: _byline_authors(page)


def _dates(values: Iterable[Any]) -> datetime | None:
    for value in values:
        when = parse_datetime(value)
        if when:
            return when
    return None


def _time_elements(page: _Page, *, updated: bool) -> datetime | None:
    """The first ``<time datetime>`` in the article or its header that is not in a comment; for
    ``updated`` only one marked as such (class "updated"/"modified"), else one not so marked."""
    plain: datetime | None = None
    for node in _XP_TIME(page.tree):
        if page.excluded(node):
            continue
        marks = f"{node.get('class') or ''} {node.get('itemprop') or ''}".lower()
        is_updated = "updated" in marks or "modified" in marks
        if updated != is_updated:
            continue
        when = parse_datetime(node.get("datetime") or node.get("title"))
        if when is None:
            continue
        if updated or "publish" in marks or "entry-date" in marks or node.get("pubdate") is not None:
            return when
        plain = plain or when
    return plain


def _published(page: _Page) -> Iterator[Layer]:
    yield JSON_LD, lambda: _dates([page.jsonld.first("datePublished"), page.jsonld.first("dateCreated")])
    yield OPENGRAPH, lambda: _dates(page.meta_values(_OG_PUBLISHED))
    yield META, lambda: _dates(v for key in _META_PUBLISHED for v in page.meta.get(key, []))
    yield MICRODATA, lambda: _dates(_microdata(page, "datePublished") + _microdata(page, "dateCreated"))
    yield TIME, lambda: _time_elements(page, updated=False)
    yield URL, lambda: _url_date(page.url)


def _updated(page: _Page) -> Iterator[Layer]:
    yield JSON_LD, lambda: _dates([page.jsonld.first("dateModified")])
    yield OPENGRAPH, lambda: _dates(page.meta_values(_OG_MODIFIED))
    yield META, lambda: _dates(v for key in _META_MODIFIED for v in page.meta.get(key, []))
    yield MICRODATA, lambda: _dates(_microdata(page, "dateModified"))
    yield TIME, lambda: _time_elements(page, updated=True)


def _link_texts(page: _Page, nodes: Iterable[etree._Element]) -> list[str]:
    return [_flat(n) for n in nodes if not page.excluded(n)]


def _rel_links(page: _Page, kind: str) -> list[str]:
    """Texts of ``rel=tag`` (kind "tag") or ``rel=category`` (kind "category") links outside
    comments and sidebars; WordPress marks categories ``rel="category tag"``."""
    out = []
    for node in _XP_REL_TAG(page.tree):
        rel = (node.get("rel") or "").lower().split()
        if ("category" in rel) == (kind == "category") and not page.excluded(node):
            out.append(_flat(node))
    if kind == "tag" and not out:
        out = [t for t in _link_texts(page, _XP_TAG_LINKS(page.tree)) if t]
    return _clean_tags(out)


def _categories(page: _Page) -> Iterator[Layer]:
    yield JSON_LD, lambda: _clean_tags(_strings(page.jsonld.first("articleSection")))
    yield OPENGRAPH, lambda: _clean_tags(page.meta_values(("article:section",)))
    yield META, lambda: _clean_tags(page.meta_values(_META_SECTION))
    yield MICRODATA, lambda: _clean_tags(_microdata(page, "articleSection"))
    yield REL_TAG, lambda: _rel_links(page, "category")


def _tags(page: _Page) -> Iterator[Layer]:
    def ld() -> list[str]:
        value = page.jsonld.first("keywords")
        return _clean_tags(_split_keywords(_strings(value)) if isinstance(value, str) else _strings(value))

    yield JSON_LD, ld
    yield OPENGRAPH, lambda: _clean_tags(page.meta_values(("article:tag",)))
    yield META, lambda: _clean_tags(_split_keywords(page.meta_values(_META_TAGS)))
    yield MICRODATA, lambda: _clean_tags(_split_keywords(_microdata(page, "keywords")))
    yield REL_TAG, lambda: _rel_links(page, "tag")


def _canonical(page: _Page) -> Iterator[Layer]:
    def ld() -> str | None:
        node = page.jsonld.article or page.jsonld.page
        if node is None:
            return None
        return next((u for u in map(lambda v: _absolute(v, page.url), _node_urls(node)) if u), None)

    yield JSON_LD, ld
    yield OPENGRAPH, lambda: next((u for v in page.meta.get("og:url", []) if (u := _absolute(v, page.url))), None)
    yield META, lambda: next((u for v in _XP_CANONICAL(page.tree) if (u := _absolute(str(v), page.url))), None)
    yield URL, lambda: _absolute(page.url, page.url)


def _access_value(value: Any) -> str | None:
    if isinstance(value, bool):
        return "public" if value else "paid"
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return "public" if value.strip().lower() == "true" else "paid"
    return None


def _access(page: _Page) -> Iterator[Layer]:
    def ld() -> str | None:
        for node in page.jsonld.nodes():
            verdict = _access_value(node.get("isAccessibleForFree"))
            parts = node.get("hasPart")
            for part in parts if isinstance(parts, list) else [parts]:
                if isinstance(part, dict) and _access_value(part.get("isAccessibleForFree")) == "paid":
                    verdict = "paid"  # a paywalled section makes the post paid
            if verdict:
                return verdict
        return None

    def tier() -> str | None:
        value = " ".join(page.meta_values(("article:content_tier",))).lower()
        return {"free": "public", "locked": "paid"}.get(value.strip())

    def markers() -> str | None:
        for node in _XP_GHOST_CTA(page.tree):  # Ghost: "This post is for (paying) subscribers only"
            return "paid" if _PAYWALL_PAID.search(_flat(node)) else "members"
        for node in _XP_SUBSTACK_PAYWALL(page.tree):  # Substack: "This post is for paid subscribers"
            return "paid" if _PAYWALL_PAID.search(_flat(node)) else "members"
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
    if not tags:  # meta keywords are SEO lists: only when the page has no tags anywhere else
        tags = _clean_tags(_split_keywords(page.meta_values(_META_LAST_RESORT_TAGS)))
        tag_source = META if tags else None
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
