"""Which blogging platform serves a homepage, from the markers each one leaves.

Checked in this order, the first hit winning:

1. ``<meta name="generator">`` naming WordPress, Blogger, Ghost, Substack or Medium;
2. WordPress's REST API advertisement: the HTTP ``Link: <.../wp-json/>; rel="https://api.w.org/"``
   header or ``<link rel="https://api.w.org/">`` (then ``/wp-content/`` / ``/wp-includes/`` assets);
3. Blogger: a ``*.blogspot.com`` address, ``blogger.com`` scripts or a ``/feeds/posts/default`` feed;
4. Substack: a ``*.substack.com`` address, ``substackcdn.com`` assets, or ``og:site_name`` together
   with ``/api/v1/`` calls (custom domains);
5. Ghost: ``ghost`` assets (``/ghost/api/``, ``ghost-portal``, ``ghost-sdk``);
6. Medium: a ``medium.com`` address or ``cdn-client.medium.com`` scripts.

Anything else is ``None``: a generic site.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from requests.utils import parse_header_links

from extract.decode import decode_body
from extract.fetch import FetchResult

WP_API_REL = "https://api.w.org/"
_HEAD_CHARS = 300_000  # meta and link tags live in <head>; do not parse a 5 MB body for them
_GENERATORS = (
    ("wordpress", "wordpress"),
    ("blogger", "blogger"),
    ("ghost", "ghost"),
    ("substack", "substack"),
    ("medium", "medium"),
)
_WP_ASSET = re.compile(r"""(?:src|href)\s*=\s*["']?([^"'\s>]*/wp-(?:content|includes)/[^"'\s>]*)""", re.IGNORECASE)
_SCRIPT_SRC = re.compile(r"""<script[^>]+src\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


def _head(html: str) -> BeautifulSoup:
    end = html.lower().find("</head>")
    return BeautifulSoup(html[: end if 0 <= end < _HEAD_CHARS else _HEAD_CHARS], "html.parser")


def _rels(tag: Tag) -> list[str]:
    rel = tag.get("rel")
    values = rel if isinstance(rel, list) else str(rel or "").split()
    return [str(r).lower() for r in values]


def _own_wordpress_assets(html: str, base_url: str) -> bool:
    """``/wp-content/`` or ``/wp-includes/`` assets served by this site (not hot-linked from another)."""
    host = (urlsplit(base_url).hostname or "").lower()
    return any((urlsplit(urljoin(base_url, url)).hostname or "").lower() == host for url in _WP_ASSET.findall(html))


def wordpress_api_root(homepage: FetchResult) -> str | None:
    """The REST API root a WordPress homepage advertises (``https://x/wp-json/``), or ``None``."""
    header = homepage.headers.get("link", "")
    if header:
        for header_link in parse_header_links(header):
            if header_link.get("rel", "").lower() == WP_API_REL and header_link.get("url"):
                return urljoin(homepage.final_url, header_link["url"])
    if not homepage.body:
        return None
    soup = _head(decode_body(homepage.body, homepage.content_type))
    for link in soup.find_all("link", href=True):
        if WP_API_REL in _rels(link):
            return urljoin(homepage.final_url, str(link["href"]))
    return None


def detect_platform(homepage: FetchResult) -> str | None:
    """``"wordpress"``, ``"blogger"``, ``"substack"``, ``"ghost"``, ``"medium"``, or ``None`` (generic)."""
    host = (urlsplit(homepage.final_url).hostname or "").lower()
    html = decode_body(homepage.body, homepage.content_type) if homepage.body else ""
    soup = _head(html)
    for meta in soup.find_all("meta", attrs={"name": True, "content": True}):
        if str(meta["name"]).lower() == "generator":
            content = str(meta["content"]).strip().lower()
            for prefix, platform in _GENERATORS:
                if content.startswith(prefix):
                    return platform
    if wordpress_api_root(homepage) or _own_wordpress_assets(html, homepage.final_url):
        return "wordpress"
    lowered = html.lower()
    scripts = [s.lower() for s in _SCRIPT_SRC.findall(html)]
    alternates = [str(link["href"]) for link in soup.find_all("link", href=True) if "alternate" in _rels(link)]
    if (
        host.endswith(".blogspot.com")
        or any("blogger.com" in s for s in scripts)
        or any("/feeds/posts/default" in a for a in alternates)
    ):
        return "blogger"
    named = soup.find("meta", attrs={"property": "og:site_name"}) is not None
    if host.endswith(".substack.com") or "substackcdn.com" in lowered or (named and "/api/v1/" in lowered):
        return "substack"
    if any(marker in lowered for marker in ("/ghost/api/", "ghost-portal", "ghost-sdk", "data-ghost")):
        return "ghost"
    if host == "medium.com" or host.endswith(".medium.com") or any("cdn-client.medium.com" in s for s in scripts):
        return "medium"
    return None
