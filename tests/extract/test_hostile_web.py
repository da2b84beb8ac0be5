"""Self-tests of the hostile test web (``tests.extract.hostile``): it serves what it promises.

Fast (a few seconds): nothing waits for ``/slow`` or reads all of ``/huge`` or inflates ``/bomb``.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import socket
import struct
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from extract.sources import parse_sources
from tests.extract.hostile import HostileWeb, hostile_web
from tests.extract.hostile.client import get, page_text, read_head

WP, BLOGGER, SUBSTACK, GHOST = "wp-dunmore-ledger", "blogger-fenwick-notes", "substack-quarry-letter", "ghost-tidewater"
MEDIUM, AUTO, FAULTS = "medium-lantern", "auto-hollins-gazette", "faults-brackwater"
BADFEEDS, BOMBFEED = "badfeeds-millrace", "bombfeed-gallows"
EXPECTED_DAY0 = {WP: 4, BLOGGER: 4, SUBSTACK: 4, GHOST: 3, MEDIUM: 3, AUTO: 4, FAULTS: 5, BADFEEDS: 2}
STATEFUL = ("/rate-limited", "/flapping", "/slow")


@pytest.fixture(scope="module")
def web() -> Iterator[HostileWeb]:
    """Day 0, shared by the read-only tests (the stateful fault routes are each hit by one test)."""
    with hostile_web() as running:
        yield running


def base(web: HostileWeb, site_id: str) -> str:
    return web.site(site_id).base_url


def test_layout_two_ports_many_hosts_and_a_valid_sources_file(web: HostileWeb) -> None:
    ports = {urlsplit(s.base_url).port for s in web.sites}
    assert ports == set(web.ports) and len(ports) == 2
    assert len({s.host_key for s in web.sites}) == len(web.sites) == 9
    assert "127.0.0.3" not in web.allowed_hosts and {urlsplit(s.base_url).hostname for s in web.sites} == set(
        web.allowed_hosts
    )
    assert urlsplit(web.trap_url).hostname == "127.0.0.3" and urlsplit(web.trap_url).port == web.ports[0]
    sources = {s.id: s for s in parse_sources(web.sources_yaml(), Path("hostile.yaml"))}
    assert set(sources) == {s.id for s in web.sites}
    assert sources[AUTO].platform is None and sources[AUTO].feed is None and sources[BLOGGER].feed is None
    assert sources[FAULTS].feed == base(web, FAULTS) + "feed.xml" and sources[FAULTS].platform == "generic"


def test_expected_posts_have_unique_snippets_found_on_their_pages(web: HostileWeb) -> None:
    posts = web.expected_posts()
    assert Counter(p.site_id for p in posts) == EXPECTED_DAY0
    snippets = [s for p in posts for s in p.text_snippets]
    assert len(snippets) == len(set(snippets)) == 2 * len(posts)
    for post in posts:
        assert post.published.utcoffset() == timedelta(0)
        if urlsplit(post.canonical_url).path in STATEFUL:
            continue
        got = get(post.canonical_url)
        assert got.status == 200, post.canonical_url
        charset = "cp1252" if post.canonical_url.endswith("/cp1252") else "utf-8"
        text = page_text(got.body.decode(charset))
        assert post.title in text and post.author in text
        assert all(s in text for s in post.text_snippets), post.canonical_url
        assert len(text.split()) >= 80 and len(" ".join(post.text_snippets).split()) < 200


def test_wordpress_api_feed_pages_and_robots(web: HostileWeb) -> None:
    b = base(web, WP)
    home = get(b)
    assert home.headers["link"] == f'<{b}wp-json/>; rel="https://api.w.org/"'
    assert '<meta name="generator" content="WordPress 6.6"' in home.text and f'href="{b}wp-json/"' in home.text
    assert get(b + "robots.txt").text == "User-agent: *\nCrawl-delay: 1\nDisallow: /private/\n"
    api = get(b + "wp-json/wp/v2/posts?per_page=2&page=1&_embed=1")
    assert (api.headers["x-wp-total"], api.headers["x-wp-totalpages"]) == ("5", "3")
    first = json.loads(api.body)[0]
    assert first["date_gmt"] == "2026-11-05T07:45:00" and first["modified_gmt"] == "2026-11-05T07:45:00"
    assert first["link"] == b + "2026/11/05/bypass-vote/" and "<p>" in first["content"]["rendered"]
    assert first["title"]["rendered"] and first["excerpt"]["rendered"]
    assert first["_embedded"]["author"][0]["name"] == "Tobias Wren"
    assert {t["taxonomy"] for group in first["_embedded"]["wp:term"] for t in group} == {"category", "post_tag"}
    everything = json.loads(get(b + "wp-json/wp/v2/posts?per_page=100&page=1&_embed=1").body)
    assert b + "private/secret-post/" in [p["link"] for p in everything]
    assert get(b + "wp-json/wp/v2/posts?per_page=100&page=2").status == 400
    feed = feedparser.parse(get(b + "feed/").body)
    assert not feed.bozo and len(feed.entries) == 5 and all(e.content[0].value for e in feed.entries)
    assert b + "private/secret-post/" in [e.link for e in feed.entries]
    page = get(b + "2026/11/05/bypass-vote/").text
    assert f'<link rel="canonical" href="{b}2026/11/05/bypass-vote/"' in page and "entry-content" in page
    assert get(b + "2026/11/05/bypass-vote").headers["location"] == b + "2026/11/05/bypass-vote/"


def test_blogger_json_and_atom(web: HostileWeb) -> None:
    b = base(web, BLOGGER)
    data = json.loads(get(b + "feeds/posts/default?alt=json&start-index=1&max-results=3").body)["feed"]
    assert data["openSearch$totalResults"]["$t"] == "4" and len(data["entry"]) == 3
    entry = data["entry"][0]
    assert entry["id"]["$t"].startswith("tag:blogger.com,1999:blog-") and entry["published"]["$t"].endswith("-05:00")
    assert entry["updated"]["$t"] and entry["title"]["$t"] and "<p>" in entry["content"]["$t"]
    assert entry["author"][0]["name"]["$t"] and entry["category"][0]["term"]
    assert [x["href"] for x in entry["link"] if x["rel"] == "alternate"] == [b + "2026/11/ballot-design.html"]
    rest = json.loads(get(b + "feeds/posts/default?alt=json&start-index=4&max-results=3").body)["feed"]
    assert len(rest["entry"]) == 1
    atom = feedparser.parse(get(b + "feeds/posts/default").body)
    assert not atom.bozo and len(atom.entries) == 4 and atom.entries[0].content[0].value
    assert get(b + "2026/11/ballot-design.html").status == 200


def test_substack_archive_post_api_paid_teaser_and_feed(web: HostileWeb) -> None:
    b = base(web, SUBSTACK)
    archive = json.loads(get(b + "api/v1/archive?sort=new&offset=0&limit=3").body)
    assert len(archive) == 3 and all("body_html" not in p for p in archive)
    assert json.loads(get(b + "api/v1/archive?sort=new&offset=3&limit=3").body)[0]["slug"] == "rail-franchise-shuffle"
    second = archive[1]
    assert second["audience"] == "only_paid" and second["type"] == "newsletter"
    assert second["post_date"] == "2026-11-04T06:30:00.000Z" and second["canonical_url"] == b + "p/waiting-list-numbers"
    assert second["publishedBylines"][0]["name"] == "Nadia Ferrante" and second["subtitle"]
    paid = json.loads(get(b + "api/v1/posts/waiting-list-numbers").body)["body_html"]
    free = json.loads(get(b + "api/v1/posts/youth-clubs").body)["body_html"]
    assert paid.count("<p>") == 2 and free.count("<p>") == 4
    feed = feedparser.parse(get(b + "feed").body)
    assert not feed.bozo and len(feed.entries) == 4 and feed.entries[0].content[0].value


def test_ghost_and_medium_feeds_and_markup(web: HostileWeb) -> None:
    g = base(web, GHOST)
    assert '<meta name="generator" content="Ghost 5.80">' in get(g).text
    ghost = feedparser.parse(get(g + "rss/").body)
    assert not ghost.bozo and len(ghost.entries) == 3 and all(e.content[0].value for e in ghost.entries)
    assert 'class="gh-content' in get(ghost.entries[0].link).text
    m = base(web, MEDIUM)
    medium = feedparser.parse(get(m + "feed").body)
    assert not medium.bozo and len(medium.entries) == 3 and all("?source=rss" in e.link for e in medium.entries)
    page = get(medium.entries[0].link)
    assert page.status == 200 and "pw-post-body-paragraph" in page.text and "cdn-client.medium.com" in page.text


def test_autodetect_site_atom_sitemap_index_gzip_and_three_urls(web: HostileWeb) -> None:
    b = base(web, AUTO)
    home = get(b).text
    assert '<link rel="alternate" type="application/atom+xml"' in home and 'href="/atom.xml"' in home
    assert 'href="/p?id=7"' in home and "generator" not in home
    assert f"Sitemap: {b}sitemap.xml" in get(b + "robots.txt").text
    atom = feedparser.parse(get(b + "atom.xml").body)
    assert len(atom.entries) == 4 and all("content" not in e and e.summary for e in atom.entries)
    assert b + "posts/same-story" in [e.link for e in atom.entries]
    index = get(b + "sitemap.xml").text
    assert "<sitemapindex" in index and f"<loc>{b}sitemap-posts.xml.gz</loc>" in index
    child = get(b + "sitemap-posts.xml.gz")
    assert child.headers["content-type"] == "application/gzip" and "content-encoding" not in child.headers
    urlset = gzip.decompress(child.body).decode()
    assert f"<loc>{b}posts/same-story?utm_source=x&amp;fbclid=y</loc>" in urlset and urlset.count("<loc>") == 4
    moved = get(b + "p?id=7")
    assert moved.status == 301 and moved.headers["location"] == b + "posts/same-story"
    for url in (b + "posts/same-story", b + "posts/same-story?utm_source=x&fbclid=y"):
        page = get(url).text
        assert f'<link rel="canonical" href="{b}posts/same-story">' in page
        assert f'<meta property="og:url" content="{b}posts/same-story">' in page


def test_fault_routes(web: HostileWeb) -> None:
    b = base(web, FAULTS)
    assert "Crawl-delay: 2" in get(b + "robots.txt").text
    first, second = get(b + "rate-limited"), get(b + "rate-limited")
    assert (first.status, first.headers["retry-after"], second.status) == (429, "2", 200)
    assert [get(b + "flapping").status for _ in range(3)] == [503, 503, 200]
    began = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout)):
        get(b + "slow", timeout=0.3)
    assert time.monotonic() - began < 2
    loop_a, loop_b = get(b + "loop-a"), get(b + "loop-b")
    assert (loop_a.status, loop_a.headers["location"]) == (302, b + "loop-b")
    assert (loop_b.status, loop_b.headers["location"]) == (302, b + "loop-a")
    huge = read_head(b + "huge", 64 * 1024)
    assert huge.status == 200 and "content-length" not in huge.headers and huge.headers["connection"] == "close"
    assert huge.headers["content-type"].startswith("text/html") and huge.body.startswith(b"<!DOCTYPE html>")
    bomb = get(b + "bomb")
    assert bomb.headers["content-encoding"] == "gzip" and 500_000 < len(bomb.body) < 5_000_000
    assert struct.unpack("<I", bomb.body[-4:])[0] == 1 << 30  # ISIZE: 1 GiB inflated
    assert zlib.decompressobj(31).decompress(bomb.body, 1 << 20) == bytes(1 << 20)
    image = get(b + "image")
    assert image.headers["content-type"] == "text/html" and image.body.startswith(b"\x89PNG\r\n\x1a\n")


def test_cp1252_page_bytes(web: HostileWeb) -> None:
    got = get(base(web, FAULTS) + "cp1252")
    assert got.headers["content-type"] == "text/html"
    assert b'<meta charset="windows-1252">' in got.body
    assert b"caf\xe9" in got.body and b"\x93We will not" in got.body and b"\x97" in got.body and b"\x92" in got.body
    post = next(p for p in web.expected_posts() if p.canonical_url.endswith("/cp1252"))
    assert all(s in page_text(got.body.decode("cp1252")) for s in post.text_snippets)
    assert "“" in post.text_snippets[0] and "café" in post.text_snippets[0] and "—" in post.text_snippets[0]


def test_trap_records_hits_and_is_linked_from_the_faults_feed(web: HostileWeb) -> None:
    b = base(web, FAULTS)
    links = [e.link for e in feedparser.parse(get(b + "feed.xml").body).entries]
    assert web.trap_url + "trap-post" in links and b + "to-trap" in links
    assert get(b + "to-trap").headers["location"] == web.trap_url + "trap-redirect"
    before = len(web.trap_hits)
    assert get(web.trap_url + "trap-post").status == 200
    assert [h.path for h in web.trap_hits[before:]] == ["/trap-post"]
    assert all(not r.host_key.startswith("127.0.0.3:") for r in web.request_log)


def test_bad_feeds_and_bomb_feed(web: HostileWeb) -> None:
    b = base(web, BADFEEDS)
    raw = get(b + "feed2/").body
    assert raw.startswith(b"\n<?xml") and b"<title>Rates & the River Authority</title>" in raw and raw.endswith(b"</li")
    parsed = feedparser.parse(raw)
    assert parsed.bozo and [e.get("link") for e in parsed.entries if e.get("link")] == [
        b + "posts/river-authority",
        b + "posts/bridge-tolls",
    ]
    assert 'href="/feed/"' in get(b).text
    laughs = get(b + "feed/").text
    assert laughs.count("<!ENTITY") == 10 and laughs.count("\n  <!ENTITY") == 10
    bomb = get(base(web, BOMBFEED) + "feed/").text
    doctype = next(line for line in bomb.splitlines() if line.startswith("<!DOCTYPE"))
    assert doctype.count("<!ENTITY") == 10 and doctype.endswith("]>")
    assert "/posts/" not in get(base(web, BOMBFEED)).text


def test_conditional_requests_and_request_log(web: HostileWeb) -> None:
    urls = [base(web, WP), base(web, WP) + "feed/", base(web, WP) + "wp-json/wp/v2/posts?per_page=10&page=1"]
    urls += [base(web, AUTO) + "sitemap-posts.xml.gz", base(web, SUBSTACK) + "api/v1/archive?sort=new&offset=0"]
    urls += [base(web, BLOGGER) + "robots.txt", base(web, FAULTS) + "cp1252", base(web, FAULTS) + "bomb"]
    for url in urls:
        full = get(url)
        etag, stamp = full.headers["etag"], full.headers["last-modified"]
        assert etag == '"' + hashlib.sha256(full.body).hexdigest()[:20] + '"'
        assert get(url, {"If-None-Match": etag}).status == 304
        assert get(url, {"If-Modified-Since": stamp}).status == 304
        assert get(url, {"If-None-Match": '"stale"', "If-Modified-Since": stamp}).status == 200
        assert get(url).body == full.body
    assert get(base(web, MEDIUM), method="HEAD").body == b""
    record = next(r for r in reversed(web.request_log) if r.method == "HEAD")
    assert record.host_key == web.site(MEDIUM).host_key and record.path == "/" and record.status == 200
    assert record.started <= record.finished and record.headers["Host"] == web.site(MEDIUM).host_key


def test_latency_and_keep_alive_connections_closed_on_exit() -> None:
    with hostile_web(latency_s=0.2) as slow:
        began = time.monotonic()
        assert get(base(slow, BLOGGER) + "robots.txt").status == 200
        assert time.monotonic() - began >= 0.2
        host, port = slow.site(BLOGGER).host_key.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=3)
        conn.request("GET", "/robots.txt")
        conn.getresponse().read()
        sock = conn.sock
    assert sock is not None and sock.recv(1) == b""  # the server hung up the idle keep-alive
    conn.close()


def test_day_one_same_ports_edits_additions_deletions_and_a_down_site() -> None:
    with hostile_web() as day0:
        ports, posts0 = day0.ports, day0.expected_posts()
        stable = [base(day0, s) for s in (BLOGGER, SUBSTACK, MEDIUM, BADFEEDS, BOMBFEED)]
        stable += [base(day0, WP) + "2026/11/05/bypass-vote/", base(day0, AUTO) + "posts/same-story"]
        stable += [base(day0, SUBSTACK) + "api/v1/archive?sort=new", base(day0, FAULTS) + "feed.xml"]
        stable += [base(day0, BADFEEDS) + "feed2/", base(day0, MEDIUM) + "feed"]
        edited = base(day0, WP) + "2026/11/03/school-bus-review/"
        changing = [
            edited,
            base(day0, WP) + "feed/",
            base(day0, WP) + "wp-json/wp/v2/posts",
            base(day0, AUTO) + "atom.xml",
        ]
        before = {url: get(url) for url in stable + changing}
        assert (day0.edited_url, day0.deleted_url, day0.new_urls, day0.down_site_id) == (None, None, (), None)
    with hostile_web(day=1, ports=ports) as day1:
        assert day1.ports == ports and day1.edited_url == edited and day1.down_site_id == GHOST
        for url in stable:
            assert get(url).body == before[url].body, url
        for url in changing:
            assert get(url).headers["etag"] != before[url].headers["etag"], url
        assert get(edited, {"If-None-Match": before[edited].headers["etag"]}).status == 200
        post = next(p for p in day1.expected_posts() if p.canonical_url == edited)
        assert post.text_snippets[1].startswith("Update:") and post.text_snippets[1] in page_text(get(edited).text)
        api = json.loads(get(base(day1, WP) + "wp-json/wp/v2/posts").body)
        assert next(p for p in api if p["link"] == edited)["modified_gmt"] == "2026-11-06T08:00:00"
        assert [p["link"] for p in api][0] == day1.new_urls[0] and get(day1.new_urls[0]).status == 200
        assert day1.deleted_url is not None and get(day1.deleted_url).status == 410
        auto = base(day1, AUTO)
        assert day1.deleted_url not in get(auto + "atom.xml").text
        assert day1.deleted_url not in gzip.decompress(get(auto + "sitemap-posts.xml.gz").body).decode()
        with pytest.raises(OSError):
            get(base(day1, GHOST), timeout=2)
        counts = Counter(p.site_id for p in day1.expected_posts())
        day1_counts = {**EXPECTED_DAY0, WP: 5, AUTO: 3}
        del day1_counts[GHOST]
        assert counts == day1_counts and len(day1.expected_posts()) == len(posts0) - 3 + 1 - 1 == 26
