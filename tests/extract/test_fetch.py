"""fetch: size caps, conditional requests, redirect loops, non-text bodies, timeouts."""

from __future__ import annotations

import gzip
import time
from http.server import BaseHTTPRequestHandler

import pytest

from extract.errors import FetchTimeout, HTTPStatusError, TooLarge, UnsupportedContent
from extract.fetch import FetchPolicy, fetch, new_session
from extract.guard import PrivatePolicy
from tests.httpfixtures import http_server, respond

POLICY = FetchPolicy(
    user_agent="slant-test (+http://example.invalid)",
    private=PrivatePolicy(hosts=frozenset({"127.0.0.1"})),
    retries=0,
    max_body_bytes=100_000,
    total_timeout_s=3,
    read_timeout_s=2,
)
PAGE = b"<html><body><p>" + b"word " * 50 + b"</p></body></html>"


def _conditional(request: BaseHTTPRequestHandler) -> None:
    if request.headers.get("If-None-Match") == '"v1"':
        request.send_response(304)
        request.end_headers()
        return
    respond(200, PAGE, {"Content-Type": "text/html", "ETag": '"v1"'})(request)


def test_conditional_request_gets_304_and_no_body() -> None:
    with http_server({"/p": _conditional}) as site:
        session = new_session(POLICY)
        first = fetch(session, site.base_url + "/p", POLICY)
        assert first.status_code == 200 and first.headers["etag"] == '"v1"'
        second = fetch(session, site.base_url + "/p", POLICY, etag=first.headers["etag"])
        assert second.not_modified and second.body == b""


def test_body_over_the_cap_is_refused_even_without_content_length() -> None:
    def chunked(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "text/html")
        request.end_headers()
        for _ in range(40):
            request.wfile.write(b"x" * 10_000)

    with http_server({"/big": chunked}) as site, pytest.raises(TooLarge):
        fetch(new_session(POLICY), site.base_url + "/big", POLICY)


def test_gzip_bomb_is_capped_after_decompression() -> None:
    bomb = gzip.compress(b"<p>" + b"a" * 5_000_000)
    assert len(bomb) < 10_000
    handler = respond(200, bomb, {"Content-Type": "text/html", "Content-Encoding": "gzip"})
    with http_server({"/bomb": handler}) as site, pytest.raises(TooLarge, match="after decoding"):
        fetch(new_session(POLICY), site.base_url + "/bomb", POLICY)


def test_redirect_loop_is_detected() -> None:
    routes = {"/a": respond(302, b"", {"Location": "/b"}), "/b": respond(302, b"", {"Location": "/a"})}
    with http_server(routes) as site, pytest.raises(HTTPStatusError, match="redirect loop"):
        fetch(new_session(POLICY), site.base_url + "/a", POLICY)


def test_png_served_as_html_is_refused() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    routes = {"/img": respond(200, png, {"Content-Type": "text/html"})}
    with http_server(routes) as site, pytest.raises(UnsupportedContent, match="binary content"):
        fetch(new_session(POLICY), site.base_url + "/img", POLICY)


def test_slow_drip_response_hits_the_total_deadline() -> None:
    def drip(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "text/html")
        request.end_headers()
        for _ in range(50):
            request.wfile.write(b"<p>slow</p>" * 7000)
            request.wfile.flush()
            time.sleep(0.2)

    policy = FetchPolicy(
        user_agent="t", private=POLICY.private, retries=0, total_timeout_s=1, max_body_bytes=50_000_000
    )
    with http_server({"/slow": drip}) as site, pytest.raises(FetchTimeout, match="deadline"):
        fetch(new_session(policy), site.base_url + "/slow", policy)


def test_404_raises_with_status_code() -> None:
    with http_server({}) as site, pytest.raises(HTTPStatusError) as info:
        fetch(new_session(POLICY), site.base_url + "/missing", POLICY)
    assert info.value.status_code == 404
