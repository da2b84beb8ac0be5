"""HostClient behaviour that the hostile web does not isolate: giving up on a host, long Retry-After."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

from extract.fetch import FetchPolicy
from extract.guard import PrivatePolicy
from extract.harvest import Harvest, HostClient
from tests.httpfixtures import http_server, respond

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
