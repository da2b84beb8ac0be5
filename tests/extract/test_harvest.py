"""HostClient behaviour that the hostile web does not isolate: giving up on a host, long Retry-After,
revalidating or reusing a homepage."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler

from extract.fetch import FetchPolicy
from extract.guard import PrivatePolicy
from extract.harvest import HOMEPAGE_RECHECK, CacheHint, Harvest, HostClient, harvest_source
from extract.sources import Source
from tests.httpfixtures import Handler, http_server, respond

POLICY = FetchPolicy(user_agent="t", private=PrivatePolicy(hosts=frozenset({"127.0.0.1"})), retries=1)
ROBOTS = respond(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})


def test_a_host_failing_again_and_again_is_left_alone_for_the_night() -> None:
    routes = {"/robots.txt": ROBOTS, **{f"/p{i}": respond(503, b"busy") for i in range(10)}}
    with http_server(routes) as site:
        client = HostClient(POLICY, 0.0, failure_limit=3)
        harvest = Harvest("s")
        results = [client.get(harvest, f"{site.base_url}/p{i}", "post") for i in range(10)]
    assert results == [None] * 10
    # 3 URLs, each tried twice (one retry), then nothing more is sent to the host.
    assert [h for h in site.hits if h != "/robots.txt"] == ["/p0", "/p0", "/p1", "/p1", "/p2", "/p2"]
    assert harvest.gave_up and "after 3 failures in a row" in harvest.gave_up
    assert harvest.skipped == 7


def test_a_retry_after_longer_than_the_cap_is_not_waited_for() -> None:
    long_wait = respond(429, b"slow down", {"Content-Type": "text/html", "Retry-After": "3600"})
    with http_server({"/robots.txt": ROBOTS, "/p": long_wait}) as site:
        client = HostClient(POLICY, 0.0)
        harvest = Harvest("s")
        started = time.monotonic()
        assert client.get(harvest, f"{site.base_url}/p", "post") is None
        assert time.monotonic() - started < 5
    assert site.hits.count("/p") == 1  # refused to wait an hour, and did not hammer either
    assert any("HTTP 429" in e for e in harvest.errors)


def test_a_short_retry_after_is_waited_and_the_retry_succeeds() -> None:
    calls = {"n": 0}

    def once_then_ok(request: BaseHTTPRequestHandler) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            respond(503, b"", {"Content-Type": "text/html", "Retry-After": "1"})(request)
        else:
            respond(200, b"<html><body><p>fine</p></body></html>")(request)

    with http_server({"/robots.txt": ROBOTS, "/p": once_then_ok}) as site:
        client = HostClient(POLICY, 0.0)
        started = time.monotonic()
        result = client.get(Harvest("s"), f"{site.base_url}/p", "post")
        elapsed = time.monotonic() - started
    assert result is not None and result.status_code == 200
    assert elapsed >= 1.0


def test_an_unchanged_homepage_is_revalidated_and_its_stored_copy_still_finds_the_feed() -> None:
    """Night 2 asks for the homepage conditionally; on a 304 the kept copy drives detection and feed links."""
    home = (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/news.xml">'
        b"</head><body><p>A blog</p></body></html>"
    )
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>One</title><link>/posts/one</link></item></channel></rss>"
    )
    conditional: list[str] = []

    def homepage(request: BaseHTTPRequestHandler) -> None:
        if request.headers.get("If-None-Match") == '"home-1"':
            conditional.append(request.path)
            respond(304, b"", {"ETag": '"home-1"'})(request)
        else:
            respond(200, home, {"Content-Type": "text/html; charset=utf-8", "ETag": '"home-1"'})(request)

    routes = {
        "/robots.txt": ROBOTS,
        "/": homepage,
        "/news.xml": respond(200, feed, {"Content-Type": "application/rss+xml"}),
        "/posts/one": respond(200, b"<html><body><p>One.</p></body></html>"),
    }
    with http_server(routes) as site:
        source = Source("s", "S", f"{site.base_url}/")
        first = harvest_source(HostClient(POLICY, 0.0), source, {})
        kept = {
            r.url: CacheHint(r.etag, r.last_modified, r.role, body=r.text)
            for r in first.records
            if r.role == "homepage"
        }
        assert kept and all(h.body for h in kept.values())
        site.hits.clear()
        second = harvest_source(HostClient(POLICY, 0.0), source, kept)
    assert conditional == ["/"]
    assert "/news.xml" in site.hits  # the feed advertised by the stored homepage was still read
    assert [r.status_code for r in second.records if r.role == "homepage"] == [304]
    assert [p.url for p in second.pages] == [f"{site.base_url}/posts/one"]


def _blog(home: bytes, feeds: dict[str, bytes]) -> dict[str, Handler]:
    """Routes of a small blog: ``home`` at ``/``, each feed path serving its RSS, one post page."""
    routes: dict[str, Handler] = {
        "/robots.txt": ROBOTS,
        "/": respond(200, home, {"Content-Type": "text/html; charset=utf-8", "ETag": '"home-1"'}),
        "/posts/one": respond(200, b"<html><body><p>One.</p></body></html>"),
    }
    for path, feed in feeds.items():
        routes[path] = respond(200, feed, {"Content-Type": "application/rss+xml"})
    return routes


def _home(feed_path: str) -> bytes:
    return (
        f'<html><head><link rel="alternate" type="application/rss+xml" href="{feed_path}">'
        "</head><body><p>A blog</p></body></html>"
    ).encode()


_FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    b"<item><title>One</title><link>/posts/one</link></item></channel></rss>"
)


def _kept_homepages(harvest: Harvest, checked_at: datetime) -> dict[str, CacheHint]:
    """The homepage as ``url_state`` keeps it after ``harvest``, last checked at ``checked_at``."""
    kept = {
        r.url: CacheHint(r.etag, r.last_modified, r.role, body=r.text, checked_at=checked_at)
        for r in harvest.records
        if r.role == "homepage"
    }
    assert kept and all(h.body for h in kept.values())
    return kept


def test_a_homepage_checked_this_week_is_not_requested_and_its_stored_copy_finds_the_feed() -> None:
    with http_server(_blog(_home("/news.xml"), {"/news.xml": _FEED})) as site:
        source = Source("s", "S", f"{site.base_url}/")
        first = harvest_source(HostClient(POLICY, 0.0), source, {})
        kept = _kept_homepages(first, datetime.now(UTC) - timedelta(days=1))
        site.hits.clear()
        second = harvest_source(HostClient(POLICY, 0.0), source, kept)
    assert "/" not in site.hits
    assert "/news.xml" in site.hits
    assert not [r for r in second.records if r.role == "homepage"]  # nothing requested, nothing logged
    assert second.platform == first.platform
    assert [p.url for p in second.pages] == [f"{site.base_url}/posts/one"]


def test_a_homepage_checked_over_a_week_ago_is_revalidated() -> None:
    with http_server(_blog(_home("/news.xml"), {"/news.xml": _FEED})) as site:
        source = Source("s", "S", f"{site.base_url}/")
        first = harvest_source(HostClient(POLICY, 0.0), source, {})
        kept = _kept_homepages(first, datetime.now(UTC) - HOMEPAGE_RECHECK - timedelta(hours=1))
        site.hits.clear()
        harvest_source(HostClient(POLICY, 0.0), source, kept)
    assert site.hits.count("/") == 1


def test_when_the_stored_homepages_feed_is_gone_the_live_homepage_is_fetched_and_its_new_feed_read() -> None:
    """A blog that moved its feed: the stored copy names a feed now 404, so the homepage is asked for
    at once, and the feed it names now is read; the dead feed is asked for only once."""
    routes = _blog(_home("/news.xml"), {"/news.xml": _FEED})
    with http_server(routes) as site:
        source = Source("s", "S", f"{site.base_url}/")
        first = harvest_source(HostClient(POLICY, 0.0), source, {})
        kept = _kept_homepages(first, datetime.now(UTC) - timedelta(hours=1))
        routes.clear()  # the server reads its routes per request: tonight the blog has moved its feed
        routes.update(_blog(_home("/rss2.xml"), {"/rss2.xml": _FEED}))
        site.hits.clear()
        second = harvest_source(HostClient(POLICY, 0.0), source, kept)
    assert site.hits.count("/") == 1
    assert site.hits.count("/news.xml") == 1
    assert "/rss2.xml" in site.hits
    assert [p.url for p in second.pages] == [f"{site.base_url}/posts/one"]
