"""Fetch one URL safely: guarded, capped, conditional, with bounded retries.

``fetch`` is the only function in slant that talks HTTP. It

* checks every URL, and every redirect target, with the address guard;
* follows at most ``max_redirects`` redirects itself and detects loops;
* sends ``If-None-Match`` / ``If-Modified-Since`` when the caller knows them;
* retries failed connections (urllib3's ``Retry``); answers worth retrying (429, 5xx) raise
  ``HTTPStatusError`` carrying the server's ``Retry-After``, for the caller to retry politely;
* streams the body and stops at the size cap, counted after gzip/deflate decoding, and at the
  total deadline;
* refuses bodies that are not HTML, XML or JSON, whatever the Content-Type says.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import requests
from urllib3.util.retry import Retry

from extract.errors import FetchError, FetchTimeout, HTTPStatusError, TooLarge, UnsupportedContent
from extract.guard import PrivatePolicy, check_url
from extract.pinning import guarded_adapter

_CHUNK = 64 * 1024  # read size: small enough that the size cap overshoots by at most 64 KiB
_REDIRECTS = {301, 302, 303, 307, 308}
# Magic numbers of formats that are never pages, feeds or API answers.
_BINARY_MAGIC = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"RIFF")
_TEXTUAL_TYPES = ("html", "xml", "json", "rss", "atom", "text/plain")
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class FetchPolicy:
    """Everything ``fetch`` needs to know about limits; built from the settings."""

    user_agent: str
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 60.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 2
    max_retry_after_s: float = 30.0
    private: PrivatePolicy = field(default_factory=PrivatePolicy)


@dataclass(frozen=True)
class FetchResult:
    """One completed HTTP exchange (after redirects)."""

    url: str
    final_url: str
    status_code: int
    headers: dict[str, str]
    body: bytes
    elapsed_ms: int
    fetched_at: datetime

    @property
    def not_modified(self) -> bool:
        return self.status_code == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def _retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date), via urllib3."""
    if not value:
        return None
    try:
        return max(0.0, float(Retry().parse_retry_after(value)))
    except Exception:  # noqa: BLE001 - urllib3 raises its own InvalidHeader; a bad header means "not said"
        return None


def new_session(policy: FetchPolicy) -> requests.Session:
    """A session with the User-Agent and the bounded retry policy mounted."""
    # Only failed connections are retried here: no request reached the server, so politeness
    # is not at stake. Answers (429, 5xx) and timeouts are retried by the caller, through the
    # per-host throttle and honouring Retry-After (extract.harvest.HostClient).
    retry = Retry(
        total=policy.retries,
        connect=policy.retries,
        read=0,
        status=0,
        redirect=0,
        backoff_factor=0.2,
        respect_retry_after_header=False,  # else urllib3 itself retries 429/503 that carry Retry-After
        raise_on_status=False,
    )

    session = requests.Session()
    adapter = guarded_adapter(policy.private, max_retries=retry, pool_maxsize=4)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = policy.user_agent
    session.headers["Accept-Encoding"] = "gzip, deflate"  # what _read_capped can inflate under the size cap

    session.headers["Accept"] = (
        "text/html,application/xhtml+xml,application/xml,application/rss+xml,application/atom+xml,application/json;q=0.9,*/*;q=0.5"
    )
    return session


def _read_capped(response: requests.Response, url: str, policy: FetchPolicy, deadline: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > policy.max_body_bytes:
        raise TooLarge(f"{url}: Content-Length {declared} over the cap of {policy.max_body_bytes} bytes", url=url)
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        # zlib accepts gzip and zlib streams with wbits 32+15; a raw deflate stream needs -15.
        inflater = zlib.decompressobj(47 if encoding != "deflate" else 15)
    elif encoding in ("", "identity"):
        inflater = None
    else:
        raise UnsupportedContent(f"{url}: unsupported Content-Encoding {encoding!r}", url=url)
    parts: list[bytes] = []
    size = 0

    def keep(data: bytes) -> None:
        nonlocal size
        size += len(data)
        if size > policy.max_body_bytes:
            raise TooLarge(f"{url}: body over the cap of {policy.max_body_bytes} bytes (after decoding)", url=url)
        parts.append(data)

    try:
        while chunk := response.raw.read(_CHUNK, decode_content=False):
            if time.monotonic() > deadline:
                raise FetchTimeout(
                    f"{url}: total deadline of {policy.total_timeout_s:.0f} s passed while reading", url=url
                )
            if inflater is None:
                keep(chunk)
                continue
            # Inflate at most what the cap still allows: a bomb never gets past the budget in memory.
            pending = chunk
            while pending:
                keep(inflater.decompress(pending, policy.max_body_bytes - size + 1))
                pending = inflater.unconsumed_tail
        if inflater is not None:
            keep(inflater.flush())
    except zlib.error as exc:
        raise UnsupportedContent(f"{url}: body does not inflate as {encoding}: {exc}", url=url) from exc
    return b"".join(parts)


def check_content(body: bytes, content_type: str, url: str, *, accept_gzip: bool = False) -> None:
    """Raise ``UnsupportedContent`` unless the body looks like HTML, XML or JSON (or gzip, if accepted)."""
    head = body[:16].lstrip()
    if accept_gzip and body.startswith(_GZIP_MAGIC):
        return  # a .xml.gz sitemap served as a file; the caller inflates it with a cap
    if any(head.startswith(magic) for magic in _BINARY_MAGIC):
        raise UnsupportedContent(
            f"{url}: binary content (starts {head[:4]!r}) served as {content_type or 'no type'}", url=url
        )
    ctype = content_type.lower()
    if ctype and not any(t in ctype for t in _TEXTUAL_TYPES):
        raise UnsupportedContent(f"{url}: Content-Type {content_type} is not HTML, XML or JSON", url=url)
    if b"\x00" in body[:1024]:
        raise UnsupportedContent(f"{url}: NUL bytes in the body; not a text document", url=url)


def fetch(
    session: requests.Session,
    url: str,
    policy: FetchPolicy,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    accept_gzip: bool = False,
    pace: Callable[[], None] | None = None,
) -> FetchResult:
    """GET ``url`` under ``policy``; 304 is a result (``not_modified``), other failures raise.

    ``accept_gzip`` lets a raw gzip body through (sitemaps published as ``.xml.gz`` files).
    ``pace`` is called before each redirect hop, so the caller's per-host throttle covers hops.
    """

    started = time.monotonic()
    deadline = started + policy.total_timeout_s
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    seen = {url}
    for hop in range(policy.max_redirects + 1):
        check_url(current, policy.private)
        if hop and pace is not None:
            pace()  # a redirect hop is one more request to a host: it waits its turn too
        try:
            response = session.get(
                current,
                headers=headers,
                allow_redirects=False,
                stream=True,
                timeout=(policy.connect_timeout_s, policy.read_timeout_s),
            )
        except requests.Timeout as exc:
            raise FetchTimeout(f"{current}: timed out ({exc.__class__.__name__})", url=url) from exc
        except requests.RequestException as exc:
            raise FetchError(f"{current}: {exc.__class__.__name__}: {exc}", url=url) from exc
        with response:
            status = response.status_code
            if status in _REDIRECTS and "location" in response.headers:
                target = urljoin(current, response.headers["location"])
                if target in seen:
                    raise HTTPStatusError(f"{url}: redirect loop at {target}", url=url, status_code=status)
                seen.add(target)
                current = target
                continue
            if status == 304:
                body = b""
            elif 200 <= status < 300:
                try:
                    body = _read_capped(response, url, policy, deadline)
                except requests.RequestException as exc:
                    raise FetchTimeout(f"{url}: failed while reading: {exc}", url=url) from exc
                check_content(body, response.headers.get("content-type", ""), url, accept_gzip=accept_gzip)

            else:
                raise HTTPStatusError(
                    f"{url}: HTTP {status} {response.reason}",
                    url=url,
                    status_code=status,
                    retry_after=_retry_after(response.headers.get("retry-after")),
                )
            return FetchResult(
                url=url,
                final_url=current,
                status_code=status,
                headers={k.lower(): v for k, v in response.headers.items()},
                body=body,
                elapsed_ms=int((time.monotonic() - started) * 1000),
                fetched_at=datetime.now(UTC),
            )
    raise HTTPStatusError(f"{url}: more than {policy.max_redirects} redirects", url=url, status_code=310)
