"""URL normalisation, so one post reached through several URLs is one row.

courlan does the heavy lifting (scheme and host case, default ports, sorted query, tracking
parameters such as utm_* and fbclid); we also drop the fragment, which never names another post.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url


def canonical_url(url: str) -> str:
    """The normalised form of ``url`` used as the post key."""
    try:
        normal = normalize_url(url.strip())
    except ValueError:
        normal = url.strip()
    parts = urlsplit(normal)
    # courlan percent-encodes characters that are legal in a path ("/@author/post" → "/%40author/post");
    # the path as published is kept, so the key matches the URL the blog itself uses.
    path = urlsplit(url.strip()).path or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def host_key(url: str) -> str:
    """``host:port`` of ``url``: the unit of politeness (one request in flight per host)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"
