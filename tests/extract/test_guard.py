"""The address guard refuses private and loopback hosts unless exactly that host is allowed."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import requests

from extract.errors import Blocked
from extract.fetch import FetchPolicy, fetch, new_session
from extract.guard import PrivatePolicy, check_url
from tests.httpfixtures import http_server, respond

PAGE = b"<html><body><p>hello</p></body></html>"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8080/x",
        "http://10.1.2.3/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://192.168.0.1/",
        "http://0.0.0.0/",
    ],
)
def test_non_public_addresses_are_refused_by_default(url: str) -> None:
    with pytest.raises(Blocked, match="non-public address"):
        check_url(url, PrivatePolicy())


@pytest.mark.parametrize("url", ["ftp://example.org/", "file:///etc/passwd", "javascript:alert(1)"])
def test_only_http_and_https_are_fetched(url: str) -> None:
    with pytest.raises(Blocked, match="only http and https"):
        check_url(url, PrivatePolicy())


def test_allowing_one_loopback_host_does_not_allow_another() -> None:
    policy = PrivatePolicy(hosts=frozenset({"127.0.0.1"}))
    check_url("http://127.0.0.1:8000/", policy)
    with pytest.raises(Blocked):
        check_url("http://127.0.0.3:8000/", policy)


def test_host_port_entry_allows_only_that_port() -> None:
    policy = PrivatePolicy(hosts=frozenset({"127.0.0.1:8000"}))
    check_url("http://127.0.0.1:8000/", policy)
    with pytest.raises(Blocked):
        check_url("http://127.0.0.1:9000/", policy)


def test_fetching_loopback_is_refused_before_any_request_when_not_allowed() -> None:
    with http_server({"/": respond(200, PAGE)}) as site:
        with pytest.raises(Blocked):
            fetch(requests.Session(), site.base_url + "/", FetchPolicy(user_agent="t"))
        assert site.hits == []


def test_redirect_to_a_disallowed_private_address_is_refused_and_never_requested() -> None:
    with http_server({"/secret": respond(200, b"secret")}, host="127.0.0.3") as trap:
        redirect = respond(302, b"", {"Location": trap.base_url + "/secret"})
        with http_server({"/post": redirect}) as site:
            policy = FetchPolicy(user_agent="t", private=PrivatePolicy(hosts=frozenset({"127.0.0.1"})))
            with pytest.raises(Blocked, match="127.0.0.3"):
                fetch(new_session(policy), site.base_url + "/post", policy)
            assert site.hits == ["/post"]
        assert trap.hits == []


def test_a_name_that_rebinds_to_a_private_address_after_the_check_is_never_connected_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: public for the check, 127.0.0.3 a moment later for the connection.

    The resolver is the one part faked (a rebinding DNS server cannot be run on loopback here):
    ``rebind.test`` answers a public address on its first lookup and the trap's on every later one.
    """
    real = socket.getaddrinfo
    lookups: list[str] = []

    with http_server({"/secret": respond(200, b"secret")}, host="127.0.0.3") as trap:
        port = int(trap.base_url.rsplit(":", 1)[1])

        def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
            if host != "rebind.test":
                return real(host, *args, **kwargs)
            lookups.append(host)
            address = "93.184.216.34" if len(lookups) == 1 else "127.0.0.3"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        policy = FetchPolicy(user_agent="t", private=PrivatePolicy(hosts=frozenset({"127.0.0.1"})))
        with pytest.raises(Blocked, match="127.0.0.3"):
            fetch(new_session(policy), f"http://rebind.test:{port}/secret", policy)
        assert trap.hits == []
    assert len(lookups) == 2  # the guard's check, then the connection's own vetted lookup
