"""Pin the sample blogosphere: what it serves, how it caches, and how day 1 differs from day 0.

Everything goes over real loopback HTTP, because the crawler tests and ``make demo`` depend on
the servers' wire behaviour (status codes, validators, discovery links), not on Python objects.
"""

from __future__ import annotations

import html
import http.client
import re
import socket
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

import pytest

from flows.blogosphere import Blogosphere, BlogSite, SamplePost, serve
from flows.blogosphere.content import load_blogs
from flows.blogosphere.urls import post_path

ATOM_NS = "{http://www.w3.org/2005/Atom}"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

GENERIC_BOILERPLATE = (
    '<nav class="site-nav">',
    "<main>\n<article>",
    '<p class="byline">By ',
    '<time datetime="',
    'class="related"',
    'class="newsletter-box"',
    'id="cookie-banner"',
    '<footer class="site-footer">',
    "<blockquote>",
)
GHOST_BOILERPLATE = (
    '<meta name="generator" content="Ghost',
    '<section class="gh-content gh-canvas">',
    '<h1 class="article-title">',
    'class="gh-head-menu"',
    "article:published_time",
    'class="read-more-wrap outer"',
    '<script type="application/ld+json">',
)


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Response:
    """One request over a fresh connection; redirects are not followed."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=5)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers or {})
        resp = conn.getresponse()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def key(url: str) -> str:
    """Snapshot key of ``url``: its path plus its port, so the same page on two days lines up."""
    parts = urlsplit(url)
    return f"{parts.path}@{parts.port}"


def _snapshot(sphere: Blogosphere) -> dict[str, Response]:
    """Responses for every homepage, feed, sitemap, robots.txt and post URL (of any day) of all sites."""
    urls = set()
    for site in sphere.sites:
        urls |= {site.base_url, site.base_url + "robots.txt", site.feed_url or site.base_url + "atom.xml"}
    urls.add(sphere.site("ridgeline-review").base_url + "sitemap.xml")
    for blog in load_blogs():
        base = sphere.site(blog.id).base_url
        urls |= {base + post_path(blog.platform, post) for post in blog.posts}
    return {key(url): get(url) for url in urls}


DayPair = tuple[Blogosphere, dict[str, Response], Blogosphere, dict[str, Response]]


@pytest.fixture(scope="module")
def sphere() -> Iterator[Blogosphere]:
    with serve() as running:
        yield running


@pytest.fixture(scope="module")
def day_pair() -> DayPair:
    """Day 0 and day 1 served at the same ports, each fully fetched."""
    with serve(day=0) as first:
        before = _snapshot(first)
    with serve(day=1, ports=first.ports) as second:
        after = _snapshot(second)
    return first, before, second, after


def feed_of(site: BlogSite) -> str:
    assert site.feed_url is not None, site.id
    return site.feed_url


def modified_of(post: SamplePost) -> datetime:
    assert post.modified is not None, post.url
    return post.modified


def channel_of(rss: bytes) -> ET.Element:
    channel = ET.fromstring(rss).find("channel")
    assert channel is not None
    return channel


def posts_of(sphere: Blogosphere, site_id: str) -> list[SamplePost]:
    return [p for p in sphere.posts() if p.site_id == site_id]


# --- content ------------------------------------------------------------------------------------


def test_content_shape() -> None:
    blogs = load_blogs()
    assert len(blogs) >= 3
    assert {b.platform for b in blogs} == {"wordpress", "generic", "ghost"}
    assert sum(len(b.live_posts(0)) for b in blogs) >= 30
    offsets = set()
    for blog in blogs:
        assert 10 <= len(blog.live_posts(0)) <= 14, blog.id
        assert len({p.author for p in blog.posts}) >= 2, blog.id
        for post in blog.posts:
            assert 150 <= post.word_count <= 700, post.slug
            assert 1 <= len(post.tags) <= 4, post.slug
            assert post.published.year == 2026 and post.published.month in (10, 11), post.slug
            assert post.modified >= post.published, post.slug
            offsets.add(post.published.utcoffset())
    assert {timedelta(0), timedelta(hours=-5), timedelta(hours=1)} <= offsets
    quoted = [p for b in blogs for p in b.posts if any(x.quote for x in p.paragraphs)]
    assert len(quoted) >= 25


def test_loaded_language_is_present() -> None:
    text = " ".join(x.text for b in load_blogs() for p in b.posts for x in p.paragraphs).lower()
    for word in ("fools", "clique", "hangers on", "cronies", "so-called", "“"):
        assert word in text, word


# --- serving day 0 -------------------------------------------------------------------------------


def test_sites_and_ground_truth(sphere: Blogosphere) -> None:
    assert [s.platform for s in sphere.sites] == ["wordpress", "generic", "ghost"]
    assert sphere.post_count() == len(sphere.posts()) >= 30
    for site in sphere.sites:
        assert site.base_url.startswith(f"http://{sphere.host}:") and site.base_url.endswith("/")
    assert sphere.site("ridgeline-review").feed_url is None
    assert feed_of(sphere.site("bow-street-dispatch")).endswith("/feed/")
    assert feed_of(sphere.site("ashmere-civic-ledger")).endswith("/rss/")
    for post in sphere.posts():
        assert post.published.utcoffset() == timedelta(0)
        assert post.url.startswith(sphere.site(post.site_id).base_url)


def test_every_post_and_index_serves_200(sphere: Blogosphere) -> None:
    for site in sphere.sites:
        for path in ("", "robots.txt", "about/" if site.platform != "generic" else "about.html"):
            resp = get(site.base_url + path)
            assert resp.status == 200, (site.id, path)
            assert "charset=" in resp.headers["content-type"].lower()
    for post in sphere.posts():
        resp = get(post.url)
        assert resp.status == 200, post.url
        assert resp.headers["content-type"] == "text/html; charset=UTF-8"
        page = resp.text
        assert html.escape(post.title, quote=False) in page
        assert post.author in page
        for text, _ in post.paragraphs:
            assert html.escape(text, quote=False) in page, (post.url, text[:40])


def test_wordpress_feed_and_markup(sphere: Blogosphere) -> None:
    site = sphere.site("bow-street-dispatch")
    truth = posts_of(sphere, site.id)
    feed = get(feed_of(site))
    assert feed.headers["content-type"].startswith("application/rss+xml")
    channel = channel_of(feed.body)
    items = channel.findall("item")
    assert [i.findtext("link") for i in items] == [p.url for p in truth]
    first = items[0]
    assert first.findtext("{http://purl.org/dc/elements/1.1/}creator") == truth[0].author
    assert [c.text for c in first.findall("category")] == truth[0].tags
    assert re.fullmatch(r"\w{3}, \d\d \w{3} 2026 \d\d:\d\d:\d\d \+0000", first.findtext("pubDate", ""))
    assert first.findtext("guid") and first.findtext("description")
    assert "<blockquote" in first.findtext("{http://purl.org/rss/1.0/modules/content/}encoded", "")

    home = get(site.base_url).text
    assert f'type="application/rss+xml" title="Bow Street Dispatch &raquo; Feed" href="{site.feed_url}"' in home
    assert get(site.base_url).headers["link"] == f'<{site.base_url}wp-json/>; rel="https://api.w.org/"'
    commented = next(p for p in truth if "comment-list" in get(p.url).text)
    page = get(commented.url).text
    for fragment in (
        '<meta name="generator" content="WordPress 6.',
        f'<link rel="canonical" href="{commented.url}"',
        '<meta property="og:title"',
        '<nav id="site-navigation" class="main-navigation">',
        '<article id="post-',
        "type-post",
        '<h1 class="entry-title">',
        '<span class="author vcard"><a class="url fn n"',
        '<time class="entry-date published" datetime="',
        '<div class="entry-content">',
        '<div class="sharedaddy sd-sharing-enabled">',
        "Share this:",
        'rel="tag"',
        '<aside id="secondary" class="widget-area">',
        "Recent Posts",
        "Archives",
        "Blogroll",
        '<div id="comments" class="comments-area">',
        '<ol class="comment-list">',
        '<div class="comment-content">',
        '<footer id="colophon" class="site-footer">',
    ):
        assert fragment in page, fragment
    assert re.search(r'<li id="comment-\d+" class="comment ', page)
    assert re.search(r"/2026/1[01]/\d\d/[a-z0-9-]+/$", commented.url)


def test_generic_site_must_be_discovered(sphere: Blogosphere) -> None:
    site = sphere.site("ridgeline-review")
    truth = posts_of(sphere, site.id)
    home = get(site.base_url).text
    link = re.search(r'<link rel="alternate" type="application/atom\+xml" title="[^"]*" href="([^"]+)">', home)
    assert link and link.group(1) == "/atom.xml"
    feed = get(urljoin(site.base_url, link.group(1)))
    assert feed.headers["content-type"].startswith("application/atom+xml")
    entries = ET.fromstring(feed.body).findall(f"{ATOM_NS}entry")
    assert [e.findall(f"{ATOM_NS}link")[0].get("href") for e in entries] == [p.url for p in truth[:5]]
    assert entries[0].findtext(f"{ATOM_NS}author/{ATOM_NS}name") == truth[0].author

    robots = get(site.base_url + "robots.txt").text
    assert f"Sitemap: {site.base_url}sitemap.xml" in robots
    urlset = ET.fromstring(get(site.base_url + "sitemap.xml").body)
    locs = {u.findtext(f"{SITEMAP_NS}loc"): u.findtext(f"{SITEMAP_NS}lastmod") for u in urlset}
    assert set(locs) == {p.url for p in truth} and all(locs.values())

    page = get(truth[0].url).text
    for fragment in GENERIC_BOILERPLATE:
        assert fragment in page, fragment
    assert '<time datetime="2026-11-20T09:30:00-05:00">' in page


def test_ghost_feed_and_markup(sphere: Blogosphere) -> None:
    site = sphere.site("ashmere-civic-ledger")
    truth = posts_of(sphere, site.id)
    channel = channel_of(get(feed_of(site)).body)
    assert str(channel.findtext("generator")).startswith("Ghost")
    assert [i.findtext("link") for i in channel.findall("item")] == [p.url for p in truth]
    assert str(channel.findall("item")[0].findtext("pubDate")).endswith(" GMT")
    page = get(truth[0].url).text
    for fragment in GHOST_BOILERPLATE:
        assert fragment in page, fragment


def test_pages_quote_with_lead_ins(sphere: Blogosphere) -> None:
    for post in sphere.posts():
        for index, (_, is_quote) in enumerate(post.paragraphs):
            if is_quote and index and not post.paragraphs[index - 1][1]:
                assert post.paragraphs[index - 1][0].endswith((":", ":”")), post.url
    per_site = {s.id: sum("<blockquote" in get(p.url).text for p in posts_of(sphere, s.id)) for s in sphere.sites}
    assert all(count >= 8 for count in per_site.values()), per_site


def test_unknown_paths_redirects_and_head(sphere: Blogosphere) -> None:
    wp = sphere.site("bow-street-dispatch")
    assert get(wp.base_url + "no-such-page/").status == 404
    assert get(wp.base_url + "wp-admin/").status == 404
    post = posts_of(sphere, wp.id)[0]
    moved = get(post.url.rstrip("/"))
    assert moved.status == 301 and moved.headers["location"] == post.url
    head = get(post.url, method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.headers["content-length"]) > 1000
    assert "Disallow: /wp-admin/" in get(wp.base_url + "robots.txt").text


# --- caching -------------------------------------------------------------------------------------


def test_conditional_get(sphere: Blogosphere) -> None:
    for url in [sphere.posts()[0].url, feed_of(sphere.site("bow-street-dispatch")), sphere.sites[1].base_url]:
        first = get(url)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert re.fullmatch(r'"[0-9a-f]{16}"', etag)
        assert get(url).body == first.body
        by_tag = get(url, {"If-None-Match": etag})
        assert by_tag.status == 304 and by_tag.body == b"" and by_tag.headers["etag"] == etag
        by_date = get(url, {"If-Modified-Since": modified})
        assert by_date.status == 304 and by_date.body == b""
        assert get(url, {"If-None-Match": '"0000000000000000"'}).status == 200
        assert get(url, {"If-Modified-Since": "Thu, 01 Jan 2026 00:00:00 GMT"}).status == 200
        # If-None-Match wins over If-Modified-Since
        assert get(url, {"If-None-Match": '"stale"', "If-Modified-Since": modified}).status == 200


def test_last_modified_is_post_modified_time(sphere: Blogosphere) -> None:
    newest = max(sphere.posts(), key=modified_of)
    post = sphere.posts()[0]
    assert get(post.url).headers["last-modified"] == modified_of(post).strftime("%a, %d %b %Y %H:%M:%S GMT")
    home = get(sphere.site(newest.site_id).base_url)
    assert home.headers["last-modified"] == modified_of(newest).strftime("%a, %d %b %Y %H:%M:%S GMT")


# --- day 1 ---------------------------------------------------------------------------------------


def test_day1_changes_exactly_as_specified(day_pair: DayPair) -> None:
    first, before, second, after = day_pair
    assert second.post_count() == first.post_count() + 1
    old = {p.url: p for p in first.posts()}
    new = {p.url: p for p in second.posts()}
    added = set(new) - set(old)
    removed = set(old) - set(new)
    assert {new[u].site_id for u in added} == {"bow-street-dispatch", "ridgeline-review"} and len(added) == 2
    assert [old[u].site_id for u in removed] == ["ridgeline-review"]
    edited = [u for u in set(old) & set(new) if old[u].paragraphs != new[u].paragraphs]
    assert [new[u].site_id for u in edited] == ["bow-street-dispatch"]
    edit_url = edited[0]
    assert modified_of(new[edit_url]) > modified_of(old[edit_url])
    for url in added:
        site_posts = [p for p in old.values() if p.site_id == new[url].site_id]
        assert new[url].published > max(p.published for p in site_posts)

    for url in added:
        assert before[key(url)].status == 404 and after[key(url)].status == 200
    (gone,) = removed
    assert before[key(gone)].status == 200 and after[key(gone)].status == 410
    assert before[key(edit_url)].headers["etag"] != after[key(edit_url)].headers["etag"]
    assert before[key(edit_url)].headers["last-modified"] != after[key(edit_url)].headers["last-modified"]

    ridge = second.site("ridgeline-review").base_url
    sitemap, atom = after[key(ridge + "sitemap.xml")].text, after[key(ridge + "atom.xml")].text
    assert gone in before[key(ridge + "sitemap.xml")].text and gone not in sitemap and gone not in atom
    assert all(u in sitemap for u in new if new[u].site_id == "ridgeline-review")

    changed = {k for k in before if (before[k].status, before[k].body) != (after[k].status, after[k].body)}
    wp, ghost = second.site("bow-street-dispatch"), second.site("ashmere-civic-ledger")
    expected = {key(u) for u in (*added, gone, edit_url)}
    expected |= {key(wp.base_url), key(feed_of(wp)), key(ridge), key(ridge + "atom.xml"), key(ridge + "sitemap.xml")}
    assert changed == expected
    assert not any(k.endswith(f"@{urlsplit(ghost.base_url).port}") for k in changed)


# --- plumbing ------------------------------------------------------------------------------------


def test_sources_yaml(sphere: Blogosphere) -> None:
    text = sphere.sources_yaml()
    yaml = pytest.importorskip("yaml")
    entries = yaml.safe_load(text)["sources"]
    assert [e["id"] for e in entries] == [s.id for s in sphere.sites]
    for entry, site in zip(entries, sphere.sites, strict=True):
        assert entry["url"] == site.base_url and entry.get("feed") == site.feed_url
        described = (entry["platform"], entry["country"], entry["language"], entry["leaning"])
        assert described == (site.platform, site.country, site.language, site.leaning)
        assert entry["name"] == site.name
    assert "feed" not in entries[1]


def test_request_log(sphere: Blogosphere) -> None:
    site = sphere.sites[2]
    before = len(sphere.request_log)
    req = urllib.request.Request(site.base_url + "robots.txt?x=1", headers={"User-Agent": "slant-test/1"})
    assert urllib.request.urlopen(req, timeout=5).status == 200
    get(site.base_url + "missing")
    records = [r for r in sphere.request_log[before:] if r.site_id == site.id]
    assert [(r.method, r.path, r.status) for r in records] == [
        ("GET", "/robots.txt?x=1", 200),
        ("GET", "/missing", 404),
    ]
    assert records[0].headers["User-Agent"] == "slant-test/1"
    assert abs(records[0].time - time.time()) < 5


def test_latency_and_shutdown() -> None:
    with serve(latency_s=0.15) as running:
        url = running.sites[0].base_url + "robots.txt"
        started = time.monotonic()
        assert get(url).status == 200
        assert time.monotonic() - started >= 0.15
        idle = http.client.HTTPConnection("127.0.0.1", urlsplit(url).port, timeout=5)
        idle.request("GET", "/robots.txt")
        idle.getresponse().read()  # keep-alive connection left open across the exit
        ports = running.ports
    for port in ports.values():
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    with pytest.raises((OSError, http.client.HTTPException)):
        idle.request("GET", "/robots.txt")
        idle.getresponse().read()
    idle.close()
