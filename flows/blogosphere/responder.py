"""HTTP semantics for the sample blogs, kept apart from sockets so they can be reasoned about.

Given a site's route table and a request line plus headers, decide status, headers and body:
200 with validators, 304 for a matching conditional GET, 301 to add a missing trailing slash,
410 for deleted posts, 404 otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from flows.blogosphere.fmt import http_date
from flows.blogosphere.pages import HTML, Page, SiteRoutes

_PAGE = "<!DOCTYPE html>\n<html><head><title>{0}</title></head><body><h1>{0}</h1><p>{1}</p></body></html>\n"
_GONE = _PAGE.format("410 Gone", "This post has been removed.").encode()
_MISSING = _PAGE.format("404 Not Found", "Nothing lives at this address.").encode()


@dataclass(frozen=True)
class Reply:
    """What to send back: status, header pairs and body (omitted on HEAD and 304)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [c.strip() for c in header.split(",")]
    return "*" in candidates or etag in [c.removeprefix("W/") for c in candidates]


def not_modified(resource: Page, headers: Mapping[str, str]) -> bool:
    """RFC 9110 conditional GET: ``If-None-Match`` wins; otherwise ``If-Modified-Since``.

    ``headers`` are keyed by lower-case name.
    """
    inm = headers.get("if-none-match")
    if inm is not None:
        return _etag_matches(inm, resource.etag)
    ims = headers.get("if-modified-since")
    if ims is None or resource.last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(ims)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return resource.last_modified.replace(microsecond=0) <= since


def answer(routes: SiteRoutes, path: str, headers: Mapping[str, str]) -> Reply:
    """The reply to a GET (or HEAD) of ``path`` (query string ignored, as these sites do).

    ``headers`` are the request headers keyed by lower-case name.
    """
    key = urlsplit(path).path.lstrip("/")
    resource = routes.pages.get(key)
    if resource is None:
        if key in routes.gone:
            return Reply(410, (("Content-Type", HTML), ("Content-Length", str(len(_GONE)))), _GONE)
        if not key.endswith("/") and key + "/" in routes.pages:
            location = routes.base_url + key + "/"
            return Reply(301, (("Location", location), ("Content-Type", HTML), ("Content-Length", "0")))
        return Reply(404, (("Content-Type", HTML), ("Content-Length", str(len(_MISSING)))), _MISSING)
    validators: list[tuple[str, str]] = [("ETag", resource.etag)]
    if resource.last_modified is not None:
        validators.append(("Last-Modified", http_date(resource.last_modified)))
    if not_modified(resource, headers):
        return Reply(304, tuple(validators))
    fixed = [("Content-Type", resource.content_type), ("Content-Length", str(len(resource.body)))]
    return Reply(200, tuple(fixed + validators + list(resource.headers)), resource.body)
