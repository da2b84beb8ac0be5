"""Per-platform discovery against loopback servers: WordPress, Blogger, Substack, Ghost, Medium, generic.

Every fetch goes through ``extract.fetch.fetch``; the servers serve the JSON and XML the real
platforms serve (trimmed). Also: entity bombs in feeds, gzip bombs in sitemaps, broken feeds.
"""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast
from urllib.parse import parse_qs, urlsplit

import pytest

from extract.discover import FeedEntry, parse_feed
from extract.errors import FetchError, ParseError
from extract.fetch import FetchPolicy, FetchResult, fetch, new_session
from extract.guard import PrivatePolicy
from extract.platforms import PLATFORM_STRATEGIES, blogger, index_entries, substack, wordpress
from extract.platforms.detect import detect_platform, wordpress_api_root
from extract.platforms.feeds import (
    feed_entries,
    ghost_page_url,
    gunzip_capped,
    medium_feed_url,
    sitemap_entries,
)
from extract.platforms.links import homepage_post_links
from extract.xmlguard import screen_feed
from tests.httpfixtures import Handler, http_server, respond

POLICY = FetchPolicy(
    user_agent="t",
    private=PrivatePolicy(hosts=frozenset({"127.0.0.1"})),
    retries=0,
    total_timeout_s=5,
    read_timeout_s=3,
)
XML = {"Content-Type": "application/xml; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


class Getter:
    """The ``get`` callable the harvest passes in, on ``fetch``; failures are kept, not raised."""

    def __init__(self) -> None:
        self.session = new_session(POLICY)
        self.failures: list[str] = []
        self.roles: list[tuple[str, str]] = []

    def __call__(self, url: str, role: str) -> FetchResult | None:
        self.roles.append((role, url))
        try:
            return fetch(self.session, url, POLICY)
        except FetchError as exc:
            self.failures.append(str(exc))
            return None


@pytest.fixture
def get() -> Iterator[Getter]:
    getter = Getter()
    yield getter
    getter.session.close()


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def base_of(request: BaseHTTPRequestHandler) -> str:
    return f"http://127.0.0.1:{cast(ThreadingHTTPServer, request.server).server_port}"


def query(request: BaseHTTPRequestHandler) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}


def json_reply(data: object, headers: dict[str, str] | None = None) -> Handler:
    return respond(
        200, json.dumps(data).encode(), {"Content-Type": "application/json; charset=UTF-8", **(headers or {})}
    )


def rss(items: list[tuple[str, str, datetime]], *, extra: str = "", generator: str = "") -> bytes:
    """An RSS 2.0 feed of ``(url, title, published)`` items with author, category and full content."""
    body = "".join(
        f"<item><title>{title}</title><link>{url}</link><dc:creator>Ann Writer</dc:creator>"
        f"<pubDate>{format_datetime(when)}</pubDate><category>Politics</category>"
        f"<content:encoded><![CDATA[<p>Body of {title}</p>]]></content:encoded></item>"
        for url, title, when in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/'
        'content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>Blog</title><link>http://blog.example/</link>{generator}{extra}{body}</channel></rss>"
    ).encode()


# --- WordPress ------------------------------------------------------------------------------


def wp_post(n: int, date: str) -> dict[str, object]:
    return {
        "id": n,
        "date": date,
        "date_gmt": date,
        "modified_gmt": date.replace("T10", "T12"),
        "link": f"https://left.example/2024/03/post-number-{n}/",
        "title": {"rendered": f"Taxes &amp; <em>spending</em> #{n}"},
        "content": {"rendered": f"<p>Body {n}</p>", "protected": False},
        "excerpt": {"rendered": "<p>Short &hellip;</p>\n"},
        "_embedded": {
            "author": [{"name": "Ann Writer"}],
            "wp:term": [
                [{"taxonomy": "category", "name": "Politics"}],
                [{"taxonomy": "post_tag", "name": "Budget &amp; Tax"}, {"taxonomy": "post_tag", "name": "Politics"}],
            ],
        },
    }


WP_PAGES = {
    "1": [wp_post(4, "2024-03-04T10:00:00"), wp_post(3, "2024-03-03T10:00:00")],
    "2": [wp_post(2, "2024-02-02T10:00:00"), wp_post(1, "2024-02-01T10:00:00")],
}


def wp_api(request: BaseHTTPRequestHandler) -> None:
    params = query(request)
    assert params["_embed"] == "1" and params["per_page"] == "2"
    page = WP_PAGES.get(params["page"])
    if page is None:
        respond(400, b'{"code":"rest_post_invalid_page_number"}', {"Content-Type": "application/json"})(request)
        return
    json_reply(page, {"X-WP-Total": "4", "X-WP-TotalPages": "2"})(request)


def test_wordpress_api_reads_every_page_and_maps_fields(get: Getter) -> None:
    with http_server({"/wp-json/wp/v2/posts": wp_api}) as site:
        entries = wordpress.api_entries(get, site.base_url + "/", since=None, max_pages=10, per_page=2)
    assert [e.url.rsplit("-", 1)[-1] for e in entries] == ["4/", "3/", "2/", "1/"]
    assert len(site.hits) == 2  # X-WP-TotalPages: 2 ends the walk without asking for page 3
    first = entries[0]
    assert first.title == "Taxes & spending #4"
    assert first.published == utc(2024, 3, 4, 10) and first.updated == utc(2024, 3, 4, 12)
    assert first.published.tzinfo is UTC
    assert first.author == "Ann Writer"
    assert first.tags == ("Politics", "Budget & Tax")
    assert first.content_html == "<p>Body 4</p>" and first.summary == "Short …"
    assert first.via == "api" and first.access is None
    assert all(role == "api" for role, _ in get.roles)


def test_wordpress_api_paging_stops_at_since_and_max_pages(get: Getter) -> None:
    with http_server({"/wp-json/wp/v2/posts": wp_api}) as site:
        recent = wordpress.api_entries(get, site.base_url, since=utc(2024, 3, 3, 12), max_pages=10, per_page=2)
        assert len(recent) == 2 and len(site.hits) == 1  # page 1 already reaches back before since
        one = wordpress.api_entries(get, site.base_url, since=None, max_pages=1, per_page=2)
        assert len(one) == 2 and len(site.hits) == 2


@pytest.mark.parametrize(
    "handler",
    [
        respond(404, b'{"code":"rest_no_route"}', {"Content-Type": "application/json"}),
        respond(401, b'{"code":"rest_cannot_access"}', {"Content-Type": "application/json"}),
        respond(200, b"<!doctype html><html><body>REST API disabled</body></html>", HTML),
        json_reply({"code": "rest_disabled", "message": "no"}),
        respond(304),
    ],
    ids=["404", "401", "html", "error-object", "304"],
)
def test_wordpress_api_absent_returns_empty(get: Getter, handler: Handler) -> None:
    with http_server({"/wp-json/wp/v2/posts": handler}) as site:
        assert wordpress.api_entries(get, site.base_url, since=None, max_pages=5) == []


def test_wordpress_helpers_and_advertised_api_root() -> None:
    assert wordpress.sitemap_url("https://x.example") == "https://x.example/wp-sitemap.xml"
    assert wordpress.sitemap_url("https://x.example/blog/") == "https://x.example/blog/wp-sitemap.xml"
    assert wordpress.paged_feed_urls("https://x.example/feed/", 3) == [
        "https://x.example/feed/",
        "https://x.example/feed/?paged=2",
        "https://x.example/feed/?paged=3",
    ]
    assert wordpress.posts_url("https://x.example/?rest_route=/", page=2, per_page=10) == (
        "https://x.example/?rest_route=%2Fwp%2Fv2%2Fposts&per_page=10&page=2&_embed=1"
    )
    home = page_result(
        "<html><head></head></html>", headers={"link": '<https://x.example/api/>; rel="https://api.w.org/"'}
    )
    assert wordpress_api_root(home) == "https://x.example/api/"


def wp_site(api: Handler) -> dict[str, Handler]:
    """A WordPress site: API as given, a two-page feed (page 3 is a 404), a core sitemap index."""

    def feed(request: BaseHTTPRequestHandler) -> None:
        base, page = base_of(request), query(request).get("paged", "1")
        items = {
            "1": [(f"{base}/2024/03/04/the-budget-vote-is-here/", "Budget vote", utc(2024, 3, 4, 10))],
            "2": [(f"{base}/2024/02/02/an-older-piece-on-taxes/", "Older", utc(2024, 2, 2, 10))],
        }.get(page)
        if items is None:
            respond(404, b"<html>Not found</html>", HTML)(request)
            return
        gen = "<generator>https://wordpress.org/?v=6.5.2</generator>"
        respond(200, rss(items, generator=gen), RSS)(request)

    def index(request: BaseHTTPRequestHandler) -> None:
        base = base_of(request)
        respond(
            200,
            sitemap_index([f"{base}/wp-sitemap-posts-post-1.xml", f"{base}/wp-sitemap-taxonomies-category-1.xml"]),
            XML,
        )(request)

    def posts(request: BaseHTTPRequestHandler) -> None:
        base = base_of(request)
        urls = [
            (f"{base}/2024/03/04/the-budget-vote-is-here/", "2024-03-05T08:00:00+00:00"),
            (f"{base}/2023/01/05/a-very-old-post-here/", "2023-01-05T08:00:00Z"),
            (f"{base}/", None),
        ]
        respond(200, urlset(urls), XML)(request)

    return {
        "/wp-json/wp/v2/posts": api,
        "/feed/": feed,
        "/wp-sitemap.xml": index,
        "/wp-sitemap-posts-post-1.xml": posts,
    }


def test_wordpress_without_api_falls_back_to_feed_nightly(get: Getter) -> None:
    with http_server(wp_site(respond(404, b"{}", {"Content-Type": "application/json"}))) as site:
        entries, platform = index_entries(
            get, site.base_url + "/", None, "wordpress", since=None, backfill=False, homepage=None
        )
    assert platform == "wordpress"
    assert [(e.title, e.via) for e in entries] == [("Budget vote", "feed")]
    assert entries[0].author == "Ann Writer" and entries[0].content_html == "<p>Body of Budget vote</p>"
    assert not any("paged" in hit or "sitemap" in hit for hit in site.hits)  # nightly: first page, no sitemap


def test_wordpress_backfill_pages_the_feed_and_reads_the_core_sitemap(get: Getter) -> None:
    errors: list[str] = []
    with http_server(wp_site(respond(404, b"{}", {"Content-Type": "application/json"}))) as site:
        entries, _ = index_entries(
            get, site.base_url, None, "wordpress", since=None, backfill=True, homepage=None, max_pages=5, errors=errors
        )
    by_title = {e.url.rstrip("/").rsplit("/", 1)[-1]: e for e in entries}
    assert set(by_title) == {"the-budget-vote-is-here", "an-older-piece-on-taxes", "a-very-old-post-here"}
    assert by_title["the-budget-vote-is-here"].via == "feed"
    assert by_title["the-budget-vote-is-here"].updated == utc(2024, 3, 5, 8)  # filled in from the sitemap
    assert by_title["a-very-old-post-here"].via == "sitemap"
    assert "/feed/?paged=3" in site.hits  # the 404 past the last page ends the walk
    assert "/wp-sitemap-taxonomies-category-1.xml" not in site.hits  # archives, not posts
    assert errors == []


def test_wordpress_api_entries_win_over_sitemap(get: Getter) -> None:
    def api(request: BaseHTTPRequestHandler) -> None:
        base = base_of(request)
        post = wp_post(9, "2024-03-04T10:00:00")
        post["link"] = f"{base}/2024/03/04/the-budget-vote-is-here/?utm_source=x"
        json_reply([post], {"X-WP-TotalPages": "1"})(request)

    with http_server(wp_site(api)) as site:
        entries, _ = index_entries(get, site.base_url, None, "wordpress", since=None, backfill=True, homepage=None)
    vias = {e.url.split("/")[-2]: e.via for e in entries}
    assert vias == {"the-budget-vote-is-here": "api", "a-very-old-post-here": "sitemap"}
    assert "/feed/" not in site.hits  # the API answered: the feed is only a fallback


# --- Blogger --------------------------------------------------------------------------------


def blogger_entry(n: int, published: str, updated: str) -> dict[str, object]:
    return {
        "id": {"$t": f"tag:blogger.com,1999:blog-123.post-{n}"},
        "published": {"$t": published},
        "updated": {"$t": updated},
        "category": [{"scheme": "http://www.blogger.com/atom/ns#", "term": "elections"}, {"term": "senate"}],
        "title": {"type": "text", "$t": f"Senate race {n}"},
        "content": {"type": "html", "$t": f"<div>Post {n} body</div>"},
        "link": [
            {
                "rel": "replies",
                "type": "text/html",
                "href": f"https://right.blogspot.com/2024/01/senate-{n}.html#comment-form",
            },
            {"rel": "alternate", "type": "text/html", "href": f"https://right.blogspot.com/2024/01/senate-{n}.html"},
        ],
        "author": [{"name": {"$t": "Bob Blogger"}, "uri": {"$t": "https://www.blogger.com/profile/1"}}],
    }


BLOGGER_ENTRIES = [
    blogger_entry(3, "2024-01-03T09:00:00.000-08:00", "2024-01-03T10:00:00.000-08:00"),
    blogger_entry(2, "2024-01-02T09:00:00.000-08:00", "2024-01-02T10:00:00.000-08:00"),
    blogger_entry(1, "2024-01-01T09:00:00.000-08:00", "2024-01-01T10:00:00.000-08:00"),
]


def blogger_api(request: BaseHTTPRequestHandler) -> None:
    params = query(request)
    assert params["alt"] == "json"
    start, size = int(params["start-index"]), int(params["max-results"])
    feed = {
        "openSearch$totalResults": {"$t": str(len(BLOGGER_ENTRIES))},
        "openSearch$startIndex": {"$t": str(start)},
        "entry": BLOGGER_ENTRIES[start - 1 : start - 1 + size],
    }
    json_reply({"version": "1.0", "encoding": "UTF-8", "feed": feed})(request)


def test_blogger_json_feed_pages_by_start_index(get: Getter) -> None:
    with http_server({"/feeds/posts/default": blogger_api}) as site:
        entries = blogger.api_entries(get, site.base_url, since=None, max_results=2, max_pages=10)
    assert [e.title for e in entries] == ["Senate race 3", "Senate race 2", "Senate race 1"]
    assert [query_of(hit)["start-index"] for hit in site.hits] == ["1", "3"]
    first = entries[0]
    assert first.url == "https://right.blogspot.com/2024/01/senate-3.html"
    assert first.published == utc(2024, 1, 3, 17) and first.updated == utc(2024, 1, 3, 18)
    assert first.author == "Bob Blogger" and first.tags == ("elections", "senate")
    assert first.content_html == "<div>Post 3 body</div>" and first.via == "api"


def test_blogger_paging_stops_at_since_by_update_date(get: Getter) -> None:
    with http_server({"/feeds/posts/default": blogger_api}) as site:
        entries = blogger.api_entries(get, site.base_url, since=utc(2024, 1, 2, 20), max_results=2, max_pages=10)
    assert len(entries) == 2 and len(site.hits) == 1


def query_of(path: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


# --- Substack -------------------------------------------------------------------------------


def substack_post(slug: str, audience: str, date: str, body: str | None) -> dict[str, object]:
    post: dict[str, object] = {
        "id": hash(slug) % 1000,
        "slug": slug,
        "type": "newsletter",
        "canonical_url": f"https://centre.substack.com/p/{slug}",
        "title": slug.replace("-", " ").title(),
        "subtitle": "A <b>subtitle</b>",
        "post_date": date,
        "audience": audience,
        "publishedBylines": [{"id": 1, "name": "Cara Columnist"}, {"id": 2, "name": "Dan Guest"}],
        "postTags": [{"name": "Policy"}],
    }
    if body is not None:
        post["body_html"] = body
    return post


SUBSTACK = [
    substack_post("why-the-vote-matters", "everyone", "2024-05-03T12:00:00.000Z", None),
    substack_post("inside-the-committee", "only_paid", "2024-05-02T12:00:00.000Z", "<p>Paid preview</p>"),
    substack_post("founders-letter", "founding", "2024-04-01T12:00:00.000Z", "<p>Founders</p>"),
    {**substack_post("open-thread", "everyone", "2024-04-01T11:00:00.000Z", None), "type": "thread"},
]


def substack_archive(request: BaseHTTPRequestHandler) -> None:
    params = query(request)
    assert params["sort"] == "new"
    offset, limit = int(params["offset"]), int(params["limit"])
    json_reply(SUBSTACK[offset : offset + limit])(request)


def substack_routes() -> dict[str, Handler]:
    return {
        "/api/v1/archive": substack_archive,
        "/api/v1/posts/why-the-vote-matters": json_reply({"slug": "why-the-vote-matters", "body_html": "<p>Full</p>"}),
    }


def test_substack_archive_bodies_and_access(get: Getter) -> None:
    with http_server(substack_routes()) as site:
        entries = substack.api_entries(get, site.base_url, since=None, limit=2, max_pages=10)
    assert [e.url.rsplit("/", 1)[-1] for e in entries] == [
        "why-the-vote-matters",
        "inside-the-committee",
        "founders-letter",
    ]
    free, paid, founding = entries
    assert free.access == "public" and paid.access == "paid" and founding.access == "paid"
    assert free.content_html == "<p>Full</p>"  # fetched from /api/v1/posts/<slug>
    assert paid.content_html == "<p>Paid preview</p>"
    assert free.author == "Cara Columnist, Dan Guest" and free.tags == ("Policy",)
    assert free.published == utc(2024, 5, 3, 12) and free.summary == "A subtitle"
    assert site.hits.count("/api/v1/posts/why-the-vote-matters") == 1
    # page 2 is full (the skipped thread counts), so page 3 is asked for; being empty, it ends the walk
    assert len([h for h in site.hits if h.startswith("/api/v1/archive")]) == 3


def test_substack_via_index_entries_nightly_reads_one_page(get: Getter) -> None:
    with http_server(substack_routes()) as site:
        entries, platform = index_entries(
            get, site.base_url, None, "substack", since=None, backfill=False, homepage=None
        )
    assert platform == "substack" and len(entries) == 3  # limit 50: everything on the first page
    assert len([h for h in site.hits if h.startswith("/api/v1/archive")]) == 1


# --- Ghost, Medium, generic feeds -----------------------------------------------------------


def ghost_feed(request: BaseHTTPRequestHandler) -> None:
    base = base_of(request)
    page = {"/rss/": 1, "/rss/2/": 2}[urlsplit(request.path).path]
    items = [
        (f"{base}/ghost-post-{page}-{i}/", f"Ghost {page}.{i}", utc(2024, 6, 10 - 2 * page - i, 8)) for i in range(2)
    ]
    respond(200, rss(items, generator="<generator>Ghost 5.82</generator>"), RSS)(request)


def test_ghost_rss_is_paged_with_rss_n_when_backfilling(get: Getter) -> None:
    with http_server({"/rss/": ghost_feed, "/rss/2/": ghost_feed}) as site:
        nightly, platform = index_entries(get, site.base_url, None, "ghost", since=None, backfill=False, homepage=None)
        assert platform == "ghost" and len(nightly) == 2 and site.hits == ["/rss/"]
        backfill = feed_entries(get, site.base_url + "/rss/", since=None, backfill_pages=3, platform="ghost")
    assert [e.title for e in backfill] == ["Ghost 1.0", "Ghost 1.1", "Ghost 2.0", "Ghost 2.1"]
    assert site.hits[1:] == ["/rss/", "/rss/2/", "/rss/3/"]  # /rss/3/ is a 404: the end
    assert backfill[0].published == utc(2024, 6, 8, 8) and backfill[0].tags == ("Politics",)
    assert ghost_page_url("https://g.example/rss/", 4) == "https://g.example/rss/4/"


def atom_page(request: BaseHTTPRequestHandler) -> None:
    base, page = base_of(request), int(query(request).get("page", "1"))
    entries = "".join(
        f"<entry><title>Atom {page}.{i}</title><link rel='alternate' href='{base}/posts/atom-{page}-{i}.html'/>"
        f"<id>urn:{page}:{i}</id><published>2024-0{7 - page}-0{5 - i}T10:00:00+02:00</published>"
        f"<updated>2024-0{7 - page}-0{5 - i}T11:00:00+02:00</updated><author><name>Eve</name></author>"
        f"<content type='html'>&lt;p&gt;Atom body&lt;/p&gt;</content></entry>"
        for i in range(2)
    )
    nxt = f"<link rel='next' href='{base}/atom.xml?page={page + 1}'/>"
    body = f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>A</title>{nxt}{entries}</feed>"
    respond(200, body.encode(), {"Content-Type": "application/atom+xml"})(request)


def test_atom_rel_next_paging_stops_at_since(get: Getter) -> None:
    with http_server({"/atom.xml": atom_page}) as site:
        entries = feed_entries(get, site.base_url + "/atom.xml", since=utc(2024, 5, 4, 12), backfill_pages=10)
    assert [e.title for e in entries] == ["Atom 1.0", "Atom 1.1", "Atom 2.0", "Atom 2.1"]
    assert site.hits == ["/atom.xml", "/atom.xml?page=2"]  # page 2 reaches back before since
    assert entries[0].published == utc(2024, 6, 5, 8) and entries[0].content_html == "<p>Atom body</p>"


def test_medium_feed_drops_rss_tracking_parameter(get: Getter) -> None:
    def feed(request: BaseHTTPRequestHandler) -> None:
        base = base_of(request)
        url = f"{base}/@writer/a-long-medium-story-3f2a9c?source=rss-abc123------2"
        respond(200, rss([(url, "Story", utc(2024, 7, 1, 9))]), RSS)(request)

    with http_server({"/feed": feed}) as site:
        entries, platform = index_entries(get, site.base_url, None, "medium", since=None, backfill=False, homepage=None)
    assert platform == "medium" and entries[0].url == f"{site.base_url}/@writer/a-long-medium-story-3f2a9c"
    assert medium_feed_url("https://medium.com/@writer") == "https://medium.com/feed/@writer"
    assert medium_feed_url("https://medium.com/the-pub/") == "https://medium.com/feed/the-pub"
    assert medium_feed_url("https://blog.example") == "https://blog.example/feed"


def test_malformed_feed_with_leading_newline_and_bare_ampersand_still_yields(get: Getter) -> None:
    feed = b"\n" + rss([("http://blog.example/2024/01/taxes-and-spending/", "Taxes & spending", utc(2024, 1, 2, 9))])
    assert b"Taxes & spending" in feed
    with http_server({"/feed/": respond(200, feed, RSS)}) as site:
        entries = feed_entries(get, site.base_url + "/feed/", since=None)
    assert [(e.title, e.author, e.published) for e in entries] == [
        ("Taxes & spending", "Ann Writer", utc(2024, 1, 2, 9))
    ]


def test_feed_304_means_nothing_new(get: Getter) -> None:
    with http_server({"/feed/": respond(304)}) as site:
        assert feed_entries(get, site.base_url + "/feed/", since=None, backfill_pages=3) == []
        assert site.hits == ["/feed/"]


# --- entity bombs ---------------------------------------------------------------------------

ITEM = "<item><title>&{ref};</title><link>http://x.example/p</link><description>{desc}</description></item>"


def laughs(oneline: bool) -> bytes:
    sep = "" if oneline else "\n"
    decls = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [{sep}{sep.join(decls)}{sep}]>\n'
        '<rss version="2.0"><channel><title>t</title>' + ITEM.format(ref="lol9", desc="&lol9;") + "</channel></rss>"
    ).encode()


def quadratic() -> bytes:
    """One 'safe' 100 KB entity referenced 20 000 times: feedparser's loose parser would build 2 GB."""
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "{"A" * 100_000}">\n]>\n<rss version="2.0"><channel>'
        + ITEM.format(ref="a", desc="&a;" * 20_000)
        + "</channel></rss>"
    ).encode()


@pytest.mark.parametrize("body", [laughs(False), laughs(True), quadratic()], ids=["classic", "one-line", "quadratic"])
def test_entity_bomb_feed_is_refused_quickly_and_cheaply(get: Getter, body: bytes) -> None:
    errors: list[str] = []
    with http_server({"/feed/": respond(200, body, RSS)}) as site:
        tracemalloc.start()
        started = time.monotonic()
        entries = feed_entries(get, site.base_url + "/feed/", since=None, errors=errors)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert entries == []
    assert len(errors) == 1 and "feed declares XML entities; refused" in errors[0]
    assert elapsed < 1.0
    assert peak < 20 * 1024 * 1024  # the quadratic one alone would need gigabytes if expanded


def test_entity_declarations_cannot_hide_behind_another_encoding() -> None:
    doc = (
        '<!DOCTYPE rss [<!ENTITY a "'
        + "A" * 1000
        + '">]><rss version="2.0"><channel>'
        + ITEM.format(ref="a", desc="&a;" * 100)
    )
    utf7 = b'<?xml version="1.0" encoding="utf-7"?>' + doc.encode("utf-7").replace(b"<", b"+ADw-").replace(
        b"!", b"+ACE-"
    )
    assert b"<!ENTITY" not in utf7  # invisible to a byte search, yet feedparser decodes and expands it
    for body in (utf7, ('<?xml version="1.0" encoding="utf-16"?>' + doc).encode("utf-16")):
        with pytest.raises(ParseError, match="declares XML entities"):
            parse_feed(body, "http://x.example/feed")
    screen_feed(rss([("http://x.example/p", "Fine &amp; dandy", utc(2024, 1, 1))]), "http://x.example/feed")


# --- generic: homepage, sitemaps, links -----------------------------------------------------


def sitemap_index(children: list[str]) -> bytes:
    body = "".join(f"<sitemap><loc>{c}</loc><lastmod>2024-05-01</lastmod></sitemap>" for c in children)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'.encode()


def urlset(urls: list[tuple[str, str | None]]) -> bytes:
    body = "".join(f"<url><loc>{u}</loc>" + (f"<lastmod>{m}</lastmod>" if m else "") + "</url>" for u, m in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>'.encode()


GENERIC_HOME = """<!doctype html><html><head><title>The Commons</title>
<link rel="alternate" type="application/atom+xml" title="Feed" href="/atom.xml">
<meta name="generator" content="Hugo 0.125"></head><body>
<a href="/posts/atom-1-0.html">One</a> <a href="/tags/budget/">tag</a> <a href="/about/">About</a>
<a href="/2024/05/a-post-from-the-homepage-only/">Home only</a> <a href="https://elsewhere.example/2024/05/x-y-z/">off-site</a>
</body></html>"""


def generic_routes(*, with_feed: bool = True, with_sitemap: bool = True) -> dict[str, Handler]:
    def index(request: BaseHTTPRequestHandler) -> None:
        base = base_of(request)
        respond(200, sitemap_index([f"{base}/sitemap-posts.xml.gz", f"{base}/sitemap-tags.xml"]), XML)(request)

    def posts_gz(request: BaseHTTPRequestHandler) -> None:
        base = base_of(request)
        urls = [
            (f"{base}/posts/atom-1-0.html", "2024-06-06T00:00:00Z"),
            (f"{base}/posts/from-the-sitemap-only.html", "2024-06-01T00:00:00Z"),
            (f"{base}/posts/ancient-history.html", "2019-01-01T00:00:00Z"),
            (f"{base}/category/news/", None),
        ]
        # served the way many servers send .xml.gz: the transport decodes one gzip layer
        respond(200, gzip.compress(urlset(urls)), {"Content-Type": "application/xml", "Content-Encoding": "gzip"})(
            request
        )

    home = GENERIC_HOME if with_feed else GENERIC_HOME.replace('type="application/atom+xml"', 'type="text/html"')
    routes: dict[str, Handler] = {"/": respond(200, home.encode(), HTML), "/atom.xml": atom_page}
    if with_sitemap:
        routes |= {"/sitemap.xml": index, "/sitemap-posts.xml.gz": posts_gz}
    return routes


def test_generic_site_feed_plus_sitemap_index_with_gzipped_child(get: Getter) -> None:
    with http_server(generic_routes()) as site:
        entries, platform = index_entries(
            get, site.base_url + "/", None, None, since=utc(2024, 1, 1), backfill=False, homepage=None
        )
    assert platform == "generic"
    vias = {e.url.rsplit("/", 1)[-1]: e.via for e in entries}
    assert vias == {
        "atom-1-0.html": "feed",
        "atom-1-1.html": "feed",
        "from-the-sitemap-only.html": "sitemap",  # ancient-history.html: lastmod before since
    }
    assert "/sitemap-tags.xml" not in site.hits  # a tag archive sitemap is not followed
    assert ("homepage", site.base_url + "/") in get.roles


def test_generic_site_without_feed_or_sitemap_falls_back_to_homepage_links(get: Getter) -> None:
    with http_server(generic_routes(with_feed=False, with_sitemap=False)) as site:
        home = Getter()(site.base_url + "/", "homepage")
        entries, platform = index_entries(
            get, site.base_url, None, "generic", since=None, backfill=False, homepage=home
        )
    assert platform == "generic"
    assert [(e.url.removeprefix(site.base_url), e.via) for e in entries] == [
        ("/posts/atom-1-0.html", "links"),
        ("/2024/05/a-post-from-the-homepage-only/", "links"),
    ]


def stub(body: bytes, url: str = "http://s.example/sitemap.xml.gz") -> FetchResult:
    return FetchResult(url, url, 200, {"content-type": "application/x-gzip"}, body, 1, datetime.now(UTC))


def test_raw_gzip_sitemap_is_inflated_and_a_gzip_bomb_refused() -> None:
    plain = urlset([("http://s.example/posts/one-two-three", "2024-01-01")])
    entries = sitemap_entries(lambda url, role: stub(gzip.compress(plain), url), "http://s.example/sitemap.xml.gz")
    assert [e.url for e in entries] == ["http://s.example/posts/one-two-three"]
    assert gunzip_capped(gzip.compress(b"a") + gzip.compress(b"b"), 10, "u") == b"ab"  # multi-member gzip

    bomb = gzip.compress(b"<" + b"\0" * 30_000_000, compresslevel=9)  # 30 MB from ~30 KB
    assert len(bomb) < 100_000
    errors: list[str] = []
    tracemalloc.start()
    started = time.monotonic()
    assert (
        sitemap_entries(
            lambda url, role: stub(bomb, url), "http://s.example/s.xml.gz", max_bytes=1_000_000, errors=errors
        )
        == []
    )
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(errors) == 1 and "gzip bomb" in errors[0]
    assert elapsed < 1.0 and peak < 5_000_000
    with pytest.raises(ParseError, match="truncated"):
        gunzip_capped(gzip.compress(plain)[:-20], 1_000_000, "u")


def test_sitemap_with_entities_is_refused_by_defusedxml() -> None:
    body = b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "x">]><urlset><url><loc>&a;</loc></url></urlset>'
    errors: list[str] = []
    assert sitemap_entries(lambda url, role: stub(body, url), "http://s.example/sitemap.xml", errors=errors) == []
    assert errors and "sitemap unreadable" in errors[0]


def test_homepage_post_links_filters_archives_assets_and_other_sites() -> None:
    html = """<html><body>
    <a href="/2024/05/17/senate-passes-the-bill/">date path</a>
    <a href="/2024/05/17/senate-passes-the-bill/#comments">same, fragment</a>
    <a href="https://blog.example/2024/05/17/senate-passes-the-bill/?utm_source=tw">same, tracked</a>
    <a href="/2024/05/">month archive</a> <a href="/2024/05/17/">day archive</a>
    <a href="/p/the-case-for-reform">substack</a> <a href="/posts/short">posts/</a>
    <a href="/why-we-need-new-rules">slug</a> <a href="/news/story.html">html</a>
    <a href="/tag/why-we-need-rules/">tag</a> <a href="/category/a-b-c/">category</a>
    <a href="/author/ann-b-c/">author</a>
    <a href="/page/2/">page 2</a> <a href="/feed/">feed</a> <a href="/wp-admin/post-new-thing.php">admin</a>
    <a href="/wp-login.php?action=log-in-now">login</a> <a href="/?s=one-two-three">search</a>
    <a href="/search/label/some-long-label">label</a> <a href="#top-of-page">top</a> <a href="mailto:a@b.c">mail</a>
    <a href="/wp-content/uploads/big-photo-of-senate.jpg">asset</a> <a href="/index.html">index</a>
    <a href="/terms-of-service">terms</a> <a href="https://other.example/a-b-c-d">other site</a>
    <a href="/">home</a> <a href="/?p=123">plain permalink</a> <a href="javascript:void(0)">js</a>
    </body></html>"""
    assert homepage_post_links(html, "https://blog.example/") == [
        "https://blog.example/2024/05/17/senate-passes-the-bill/",
        "https://blog.example/p/the-case-for-reform",
        "https://blog.example/posts/short",
        "https://blog.example/why-we-need-new-rules",
        "https://blog.example/news/story.html",
        "https://blog.example/?p=123",
    ]


# --- detection ------------------------------------------------------------------------------


def page_result(html: str, url: str = "https://blog.example/", headers: dict[str, str] | None = None) -> FetchResult:
    return FetchResult(
        url,
        url,
        200,
        {"content-type": "text/html; charset=utf-8", **(headers or {})},
        html.encode(),
        1,
        datetime.now(UTC),
    )


@pytest.mark.parametrize(
    ("html", "url", "headers", "expected"),
    [
        ('<head><meta name="generator" content="WordPress 6.5.2"></head>', "https://a.example/", {}, "wordpress"),
        (
            "<head></head><body>plain</body>",
            "https://a.example/",
            {"link": '<https://a.example/wp-json/>; rel="https://api.w.org/"'},
            "wordpress",
        ),
        (
            '<head><link rel="https://api.w.org/" href="https://a.example/wp-json/"></head>',
            "https://a.example/",
            {},
            "wordpress",
        ),
        (
            '<head><link rel="stylesheet" href="/wp-content/themes/x/style.css"></head>',
            "https://a.example/",
            {},
            "wordpress",
        ),
        ('<head><meta content="blogger" name="generator"></head>', "https://a.example/", {}, "blogger"),
        (
            '<head><link rel="alternate" type="application/atom+xml" href="https://a.example/feeds/posts/default"></head>'
            '<script src="https://www.blogger.com/static/v1/widgets/1.js"></script>',
            "https://a.example/",
            {},
            "blogger",
        ),
        ("<head></head>", "https://right.blogspot.com/", {}, "blogger"),
        (
            '<head><link rel="preconnect" href="https://substackcdn.com"></head>',
            "https://news.example/",
            {},
            "substack",
        ),
        (
            '<head><meta property="og:site_name" content="News"></head><script>fetch("/api/v1/archive")</script>',
            "https://news.example/",
            {},
            "substack",
        ),
        ('<head><meta name="generator" content="Ghost 5.82"></head>', "https://g.example/", {}, "ghost"),
        (
            '<head><script defer src="https://cdn.jsdelivr.net/ghost/portal@~2.37/umd/portal.min.js" data-ghost="https://g.example/"></script></head>',
            "https://g.example/",
            {},
            "ghost",
        ),
        ("<head></head>", "https://medium.com/@writer", {}, "medium"),
        (
            '<head><script src="https://cdn-client.medium.com/lite/static/js/main.js"></script></head>',
            "https://m.example/",
            {},
            "medium",
        ),
        (
            '<head><meta name="generator" content="Hugo 0.125"></head><img src="https://wp.example/wp-content/a.jpg">',
            "https://h.example/",
            {},
            None,
        ),
        ("<head><title>Hand-made</title></head><body><p>Hi</p></body>", "https://h.example/", {}, None),
    ],
)
def test_detect_platform_on_sample_homepages(
    html: str, url: str, headers: dict[str, str], expected: str | None
) -> None:
    assert detect_platform(page_result(html, url, headers)) == expected


def test_strategy_table_covers_every_platform_in_the_documented_order() -> None:
    order = {"api": 0, "feed": 1, "sitemap": 2, "links": 3}
    assert set(PLATFORM_STRATEGIES) == {"wordpress", "blogger", "substack", "ghost", "medium", "generic"}
    for steps in PLATFORM_STRATEGIES.values():
        assert [order[s.via] for s in steps] == sorted(order[s.via] for s in steps)
        assert steps[0].when == "first"


def test_feed_entry_gained_only_defaulted_fields() -> None:
    entry = FeedEntry(url="https://x.example/p")
    assert entry.access is None and entry.summary is None and entry.via == "feed"
