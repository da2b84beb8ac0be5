"""A tiny urllib client for poking the hostile web in tests: no proxies, no redirects followed.

``get`` returns status, headers (lower-case names) and body for any status, 4xx/5xx included.
``read_head`` reads only the first bytes of a response, for ``/huge`` and ``/bomb``.
"""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPResponse
from typing import IO, Any


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand 3xx responses back to the caller instead of following them."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Got:
    """One response: status, headers keyed by lower-case name, body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (replacement characters for anything else)."""
        return self.body.decode("utf-8", "replace")


def _open(
    url: str, headers: dict[str, str] | None, method: str, timeout: float
) -> tuple[int, dict[str, str], IO[bytes]]:
    """Status, lower-cased headers and the open body stream of one request."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        response: HTTPResponse = _OPENER.open(request, timeout=timeout)
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response
    except urllib.error.HTTPError as exc:  # 3xx (not followed), 4xx and 5xx
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc


def get(url: str, headers: dict[str, str] | None = None, *, method: str = "GET", timeout: float = 5.0) -> Got:
    """Fetch ``url`` once and read the whole body."""
    status, names, stream = _open(url, headers, method, timeout)
    with stream:
        return Got(status, names, stream.read())


def read_head(url: str, size: int, *, timeout: float = 5.0) -> Got:
    """Fetch ``url`` but read only its first ``size`` bytes, then hang up."""
    status, names, stream = _open(url, None, "GET", timeout)
    with stream:
        return Got(status, names, stream.read(size))


def page_text(markup: str) -> str:
    """Visible-ish text of an HTML page: tags dropped, entities decoded, whitespace collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()
