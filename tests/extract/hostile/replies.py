"""HTTP semantics of the hostile sites, kept apart from sockets.

A site is a ``Router``: exact paths mapped to routes. A route is a function from the parsed
request (``Req``) to a ``Reply``. Static resources become routes through ``static``, which adds
the validators every 200 carries (a strong ETag from the body's SHA-256, ``Last-Modified``) and
answers a matching ``If-None-Match`` / ``If-Modified-Since`` with 304. Stateful fault routes
build their replies with ``ok`` so their eventual 200 is conditional too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qsl, urlsplit

HTML = "text/html; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"
ATOM = "application/atom+xml; charset=UTF-8"
XML = "application/xml; charset=UTF-8"
JSON = "application/json; charset=UTF-8"
TEXT = "text/plain; charset=UTF-8"

_PAGE = "<!DOCTYPE html>\n<html><head><title>{0}</title></head><body><h1>{0}</h1><p>{1}</p></body></html>\n"
_BODIES = {
    404: _PAGE.format("404 Not Found", "Nothing lives at this address."),
    410: _PAGE.format("410 Gone", "This post has been removed."),
    405: _PAGE.format("405 Method Not Allowed", "Only GET and HEAD are served here."),
}


def http_date(moment: datetime) -> str:
    """RFC 9110 date for headers, e.g. ``Mon, 02 Nov 2026 09:00:00 GMT``."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def strong_etag(body: bytes) -> str:
    """A strong validator: the quoted first 20 hex digits of the body's SHA-256."""
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


@dataclass(frozen=True)
class Req:
    """A request as routes see it: method, raw target, path, query and lower-cased headers."""

    method: str
    target: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]

    @classmethod
    def parse(cls, method: str, target: str, headers: Mapping[str, str]) -> Req:
        """Split ``target`` (``/path?query``) and lower-case header names."""
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        return cls(method, target, parts.path or "/", query, {k.lower(): v for k, v in headers.items()})


@dataclass(frozen=True)
class Resource:
    """One representation: bytes, content type, modification time and extra headers."""

    body: bytes
    content_type: str
    last_modified: datetime
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def etag(self) -> str:
        """The resource's strong ETag."""
        return strong_etag(self.body)


def resource(text: str | bytes, content_type: str, last_modified: datetime, **headers: str) -> Resource:
    """A ``Resource`` from text (encoded as UTF-8) or bytes; keyword headers use ``_`` for ``-``."""
    body = text.encode("utf-8") if isinstance(text, str) else text
    return Resource(body, content_type, last_modified, tuple((k.replace("_", "-"), v) for k, v in headers.items()))


@dataclass(frozen=True)
class Reply:
    """What to send: status, headers, and either ``body`` or a ``stream`` of chunks.

    ``delay_s`` is slept (interruptibly) before anything is sent. A streamed reply has no
    Content-Length and closes the connection to mark its end.
    """

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    stream: Callable[[], Iterator[bytes]] | None = None
    delay_s: float = 0.0


Route = Callable[[Req], Reply]


def not_modified(headers: Mapping[str, str], etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110 conditional GET: ``If-None-Match`` wins; otherwise ``If-Modified-Since``."""
    inm = headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or etag in tags
    ims = headers.get("if-modified-since")
    if ims is None or last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(ims)
    except (TypeError, ValueError):
        return False
    return since.tzinfo is not None and last_modified.replace(microsecond=0) <= since


def ok(res: Resource, req: Req, *, status: int = 200, delay_s: float = 0.0) -> Reply:
    """``res`` as a 200 with validators, or a 304 when the request's validators match."""
    validators = (("ETag", res.etag), ("Last-Modified", http_date(res.last_modified)))
    if status == 200 and not_modified(req.headers, res.etag, res.last_modified):
        return Reply(304, validators, delay_s=delay_s)
    fixed = (("Content-Type", res.content_type), ("Content-Length", str(len(res.body))))
    return Reply(status, fixed + validators + res.headers, res.body, delay_s=delay_s)


def static(res: Resource) -> Route:
    """A route always answering ``res`` (conditionally)."""
    return lambda req: ok(res, req)


def error(status: int, *headers: tuple[str, str], body: str | None = None) -> Reply:
    """A small HTML error page with ``status`` (no validators: errors are not cacheable here)."""
    data = (body if body is not None else _BODIES.get(status, _PAGE.format(status, "Error."))).encode("utf-8")
    return Reply(status, (("Content-Type", HTML), ("Content-Length", str(len(data))), *headers), data)


def redirect(location: str, status: int = 301) -> Route:
    """A route redirecting to ``location`` (absolute URL)."""
    return lambda req: Reply(status, (("Location", location), ("Content-Length", "0")))


def gone(req: Req) -> Reply:
    """A route for a deleted post: 410 Gone."""
    return error(410)


class Router:
    """One site's paths: exact path lookup (query ignored unless the route reads it).

    A path missing only its trailing slash is redirected (301) to the slashed path, as
    WordPress and Ghost do; anything else unknown goes to ``fallback`` when set, else 404.
    """

    def __init__(self, base_url: str, fallback: Route | None = None) -> None:
        self.base_url = base_url
        self.routes: dict[str, Route] = {}
        self.fallback = fallback

    def add(self, path: str, route: Route | Resource) -> None:
        """Register ``route`` (or a static ``Resource``) at ``path`` (leading slash)."""
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/': {path!r}")
        if path in self.routes:
            raise ValueError(f"{self.base_url}: two routes at {path}")
        self.routes[path] = static(route) if isinstance(route, Resource) else route

    def answer(self, req: Req) -> Reply:
        """The reply to ``req``; only GET and HEAD are served."""
        if req.method not in ("GET", "HEAD"):
            return error(405, ("Allow", "GET, HEAD"))
        route = self.routes.get(req.path)
        if route is not None:
            return route(req)
        if not req.path.endswith("/") and req.path + "/" in self.routes:
            return redirect(self.base_url.rstrip("/") + req.path + "/")(req)
        return self.fallback(req) if self.fallback is not None else error(404)
