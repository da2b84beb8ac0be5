"""Post links on a homepage: the last resort for blogs with neither a feed nor a sitemap.

A link counts as a post when it stays on the site and its path looks like a permalink: a date
path (``/2024/05/slug``), ``/posts/slug``, ``/post/slug``, ``/p/slug``, a last segment ending in
``.html`` / ``.htm``, a slug of three or more hyphenated words, or WordPress's plain ``?p=123``.
Archive, account and machinery URLs (tags, categories, authors, pagination, feeds, wp-admin,
login, search, comments) and static assets are never posts.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup

from extract.urls import canonical_url

_EXCLUDED_SEGMENTS = frozenset(
    {
        "tag",
        "tags",
        "category",
        "categories",
        "author",
        "authors",
        "page",
        "feed",
        "feeds",
        "rss",
        "atom",
        "wp-admin",
        "wp-login.php",
        "wp-json",
        "wp-content",
        "wp-includes",
        "xmlrpc.php",
        "login",
        "logout",
        "signin",
        "sign-in",
        "signup",
        "sign-up",
        "register",
        "account",
        "search",
        "comments",
        "cdn-cgi",
        "subscribe",
        "cart",
        "checkout",
    }
)
_EXCLUDED_QUERY = frozenset(
    {"s", "replytocom", "share", "feed", "cat", "tag", "author", "paged", "page_id", "like_comment"}
)
_ASSET = re.compile(
    r"\.(?:jpe?g|png|gif|webp|avif|svg|ico|bmp|css|js|mjs|map|pdf|zip|gz|tgz|rar|7z|mp3|m4a|ogg|wav|mp4|m4v|mov|"
    r"avi|webm|woff2?|ttf|otf|eot|xml|json|txt|rss|atom|epub|docx?|xlsx?|pptx?|csv)$",
    re.IGNORECASE,
)
_NOT_POST_SLUGS = frozenset(
    {
        "terms-of-service",
        "terms-of-use",
        "terms-and-conditions",
        "about-the-author",
        "about-this-blog",
        "code-of-conduct",
        "frequently-asked-questions",
        "write-for-us",
    }
)
_WORD = re.compile(r"^[^\W_]+$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_MONTH = re.compile(r"^(?:0?[1-9]|1[0-2])$")
_INDEX_PAGES = frozenset({"index.html", "index.htm", "default.html", "default.htm"})
# Site pages that are never posts, whatever their extension ("about.html", "privacy.htm").
_SITE_PAGES = frozenset(
    {
        "about",
        "about-us",
        "contact",
        "contact-us",
        "privacy",
        "privacy-policy",
        "cookies",
        "cookie-policy",
        "terms",
        "legal",
        "imprint",
        "impressum",
        "subscribe",
        "newsletter",
        "donate",
        "support",
        "archive",
        "archives",
        "search",
        "login",
        "register",
        "sitemap",
        "faq",
        "team",
        "masthead",
        "advertise",
        "jobs",
    }
)


def _host(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = None
    return host, port


def _segments(url: str) -> list[str]:
    return [s for s in urlsplit(url).path.split("/") if s]


def is_excluded(url: str) -> bool:
    """True for URLs that are never posts: archives, machinery, accounts, search, static assets."""
    parts = urlsplit(url)
    segments = [s.lower() for s in _segments(url)]
    if any(s in _EXCLUDED_SEGMENTS for s in segments):
        return True
    if segments and _ASSET.search(segments[-1]):
        return True
    return any(k.lower() in _EXCLUDED_QUERY for k, _ in parse_qsl(parts.query, keep_blank_values=True))


def looks_like_post(url: str) -> bool:
    """True when the path of ``url`` has the shape of a post permalink (see the module docstring)."""
    segments = _segments(url)
    lowered = [s.lower() for s in segments]
    for i in range(len(lowered) - 2):
        # a date, then something that is not just the day: /2024/05/ and /2024/05/17/ are archives
        if _YEAR.match(lowered[i]) and _MONTH.match(lowered[i + 1]) and any(not s.isdigit() for s in lowered[i + 2 :]):
            return True
    for marker in ("posts", "post", "p"):
        if marker in lowered[:-1]:
            return True
    if lowered:
        last = lowered[-1]
        stem = last.rsplit(".", 1)[0]
        if last.endswith((".html", ".htm")) and last not in _INDEX_PAGES and stem not in _SITE_PAGES:
            return True
        words = last.split("-")
        if len(words) >= 3 and all(_WORD.match(w) for w in words) and last not in _NOT_POST_SLUGS:
            return True
    return any(k == "p" and v.isdigit() for k, v in parse_qsl(urlsplit(url).query))


def homepage_post_links(html: str, base_url: str) -> list[str]:
    """Same-site links in ``html`` that look like posts, in page order, deduplicated by canonical URL."""
    soup = BeautifulSoup(html, "html.parser")
    base = base_url
    base_tag = soup.find("base", href=True)
    if base_tag is not None:
        base = urljoin(base_url, str(base_tag["href"]))
    site = _host(base_url)
    home = canonical_url(base_url)
    seen: set[str] = set()
    links: list[str] = []
    for anchor in soup.find_all("a", href=True):
        href = str(anchor["href"]).strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:", "data:")):
            continue
        parts = urlsplit(urljoin(base, href))
        if parts.scheme not in ("http", "https"):
            continue
        url = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
        if _host(url) != site or is_excluded(url) or not looks_like_post(url):
            continue
        key = canonical_url(url)
        if key in seen or key == home:
            continue
        seen.add(key)
        links.append(url)
    return links
