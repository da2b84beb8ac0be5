"""Harvest one host's blogs for the night: robots, feed discovery, conditional page fetches.

One harvest runs per host, so "one request in flight per host" holds by construction; the
client waits out the minimum interval (the larger of the setting, the source's override and the
robots.txt Crawl-delay) between requests. Every request, good or bad, becomes a ``FetchRecord``;
failures never raise out of ``harvest_source``, so one broken blog cannot end the night.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from extract.archive import ArchiveRef, RunArchive
from extract.decode import decode_body
from extract.discover import FeedEntry
from extract.errors import Blocked, FetchError, FetchTimeout, HTTPStatusError
from extract.fetch import FetchPolicy, FetchResult, fetch, new_session
from extract.platforms import index_entries
from extract.robots import RobotsRules, load_robots, robots_url
from extract.sources import Source
from extract.urls import canonical_url, host_key

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Without Retry-After: wait ~1 s, then ~2 s (x0.5-1.5 jitter so hosts' retries do not align).
_BACKOFF = wait_exponential_jitter(initial=1.0, max=8.0, jitter=0.5)

# A feed body shorter than this is taken for a summary and the page is fetched instead.

_MIN_FULL_FEED_CHARS = 600
_TRUNCATED = re.compile(
    r"(\[(?:…|\.\.\.)\]|…|\.\.\.|read more|continue reading|the post .* appeared first on .*)\s*$", re.I
)
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class CacheHint:
    """What is remembered about a URL: validators of its last 200, and for posts their date."""

    etag: str | None = None
    last_modified: str | None = None
    role: str = "post"
    published: datetime | None = None
    body: str | None = None  # robots.txt and homepages only (KEPT_BODY_ROLES), to reuse on a 304
    checked_at: datetime | None = None  # last 200/304, or for role "missing" the last 404


@dataclass(frozen=True)
class FetchRecord:
    """One request as it goes into ``fetch_log``."""

    source_id: str
    url: str
    final_url: str | None
    status_code: int | None
    bytes: int
    elapsed_ms: int
    fetched_at: datetime
    not_modified: bool
    error: str | None = None
    error_kind: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    role: str = "post"  # post | feed | sitemap | homepage | robots | api
    archive: ArchiveRef | None = None
    text: str | None = None  # the body kept for KEPT_BODY_ROLES (see kept_body, CacheHint.body)


@dataclass(frozen=True)
class Page:
    """A post page that was fetched with a body (a 304 yields no Page)."""

    source_id: str
    url: str
    final_url: str
    html: str
    body_sha256: str
    fetched_at: datetime
    entry: FeedEntry | None
    text_source: str = "page"  # page | api | feed: where the body came from


@dataclass
class Harvest:
    """Everything one source yielded tonight."""

    source_id: str
    pages: list[Page] = field(default_factory=list)
    records: list[FetchRecord] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    platform: str | None = None  # the platform the source was read as
    gave_up: str | None = None  # why the host was abandoned for the night, if it was
    skipped: int = 0  # requests not made because the host was abandoned
    listed: int = 0  # post candidates its indexes (API, feeds, sitemaps, links) listed tonight


def _failure(source_id: str, url: str, role: str, exc: FetchError, started: datetime) -> FetchRecord:
    status = exc.status_code if isinstance(exc, HTTPStatusError) else None
    return FetchRecord(source_id, url, None, status, 0, 0, started, False, str(exc), exc.kind, role=role)


def _record(source_id: str, url: str, result: FetchResult, role: str, archive: ArchiveRef | None) -> FetchRecord:
    return FetchRecord(
        source_id,
        url,
        result.final_url,
        result.status_code,
        len(result.body),
        result.elapsed_ms,
        result.fetched_at,
        result.not_modified,
        etag=result.headers.get("etag"),
        last_modified=result.headers.get("last-modified"),
        role=role,
        archive=archive,
    )


# Responses whose body is kept with their validators, so a 304 can be answered from the store:
# robots.txt (rules needed every night) and the homepage (platform detection, feed links).
KEPT_BODY_ROLES = frozenset({"robots", "homepage"})
# A homepage larger than this (characters) is not kept; it is then fetched in full every night.
# Real blog homepages are 50-300 kB of HTML; 1 MB keeps all of them and bounds url_state.
_MAX_KEPT_HOMEPAGE_CHARS = 1_000_000


def kept_body(role: str, result: FetchResult) -> str | None:
    """What ``url_state.body`` keeps of a 200 for ``role``: robots.txt as text; the homepage with its
    content type and Link header (where WordPress advertises its API root), as JSON."""
    if role == "robots":
        return result.body.decode("utf-8", errors="replace")
    html = decode_body(result.body, result.content_type)
    if len(html) > _MAX_KEPT_HOMEPAGE_CHARS:
        return None
    return json.dumps({"link": result.headers.get("link", ""), "html": html, "final_url": result.final_url})


def stored_homepage(url: str, hint: CacheHint, now: datetime) -> FetchResult | None:
    """The stored copy of the homepage ``url`` when it was checked within ``HOMEPAGE_RECHECK`` of ``now``."""
    if hint.role != "homepage" or not hint.body or hint.checked_at is None:
        return None
    if not timedelta(0) <= now - hint.checked_at < HOMEPAGE_RECHECK:
        return None
    try:
        final_url = str(json.loads(hint.body).get("final_url") or url)  # kept since 2026-12-04
    except (ValueError, AttributeError):
        return None
    stand_in = FetchResult(
        url=url, final_url=final_url, status_code=304, headers={}, body=b"", elapsed_ms=0, fetched_at=hint.checked_at
    )
    return replayed_homepage(hint.body, stand_in)


def replayed_homepage(kept: str, not_modified: FetchResult) -> FetchResult | None:
    """The homepage as last stored, standing in for its 304 ``not_modified``; ``None`` if unreadable."""
    try:
        stored = json.loads(kept)
        html, link = str(stored["html"]), str(stored.get("link", ""))
    except (ValueError, KeyError, TypeError):
        return None
    headers = {**not_modified.headers, "content-type": "text/html; charset=utf-8"}
    if link:
        headers["link"] = link
    return dataclasses.replace(not_modified, status_code=200, headers=headers, body=html.encode("utf-8"))


def _host_failure(exc: FetchError) -> bool:
    """Failures that say the host is in trouble (not that one page is missing or refused)."""
    if isinstance(exc, HTTPStatusError):
        return exc.status_code >= 500 or exc.status_code == 429
    return type(exc) in (FetchError, FetchTimeout)


class Fetcher(Protocol):
    """What harvesting needs from a client: the live ``HostClient`` or ``extract.replay.ArchiveClient``."""

    def robots(self, harvest: Harvest, url: str) -> RobotsRules: ...

    def get(
        self, harvest: Harvest, url: str, role: str, hint: CacheHint | None = None, *, quiet_404: bool = False
    ) -> FetchResult | None: ...


class HostClient:
    """Fetches for one host: throttled, robots-aware, recording every request.


    After ``failure_limit`` consecutive host failures (timeouts, refused connections, 5xx, 429
    after retries) the host is abandoned for the night: later requests are skipped and counted.
    """

    def __init__(
        self,
        policy: FetchPolicy,
        min_interval_s: float,
        session: requests.Session | None = None,
        *,
        failure_limit: int = 5,
        archive: RunArchive | None = None,
        robots_hints: Mapping[str, CacheHint] | None = None,
    ) -> None:
        self.policy = policy
        self.archive = archive
        self.robots_hints = robots_hints or {}
        self.min_interval_s = min_interval_s
        self.session = session or new_session(policy)
        self.failure_limit = failure_limit
        self._failures_in_a_row = 0
        self._gave_up: str | None = None
        self._last_request = 0.0
        self._robots: dict[str, RobotsRules] = {}

    def _wait_turn(self, interval: float) -> None:
        pause = self._last_request + interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)

    def robots(self, harvest: Harvest, url: str) -> RobotsRules:
        """The host's robots.txt rules, fetched (and recorded) once per night."""
        key = host_key(url)
        if key not in self._robots:
            hint = self.robots_hints.get(robots_url(url))
            self._robots[key] = load_robots(
                url, lambda u: self._recorded(harvest, u, "robots", hint), hint.body if hint else None
            )
        return self._robots[key]

    def _recorded(
        self, harvest: Harvest, url: str, role: str, hint: CacheHint | None = None, interval: float | None = None
    ) -> FetchResult:
        """``_get`` that records the request, success or failure, and re-raises failures."""
        started = datetime.now(UTC)
        try:
            result = self._get(url, hint, interval, accept_gzip=role == "sitemap")
        except FetchError as exc:
            harvest.records.append(_failure(harvest.source_id, url, role, exc, started))
            raise
        ref = None
        if self.archive is not None and not result.not_modified:
            ref = self.archive.write(
                url, result.status_code, result.headers, result.body, result.fetched_at, final_url=result.final_url
            )
        record = _record(harvest.source_id, url, result, role, ref)
        if role in KEPT_BODY_ROLES and not result.not_modified:
            record = dataclasses.replace(record, text=kept_body(role, result))
        harvest.records.append(record)
        return result

    def _retryable(self, exc: BaseException) -> bool:
        """429, 5xx and timeouts are worth another try, unless the server asks for a longer wait than we give."""
        if isinstance(exc, HTTPStatusError):
            if exc.status_code not in _RETRY_STATUSES:
                return False
            return exc.retry_after is None or exc.retry_after <= self.policy.max_retry_after_s
        return isinstance(exc, FetchTimeout)

    def _retry_wait(self, state: RetryCallState) -> float:
        """Retry-After when the server gave one, else exponential backoff with jitter."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, HTTPStatusError) and exc.retry_after is not None:
            return exc.retry_after
        return float(_BACKOFF(state))

    def _with_retries(self, harvest: Harvest, url: str, role: str, hint: CacheHint | None) -> FetchResult:
        """One request, retried on 429/5xx/timeouts; every attempt is recorded and throttled."""
        interval = self.interval(harvest, url)
        retrying = Retrying(
            retry=retry_if_exception(self._retryable),
            stop=stop_after_attempt(self.policy.retries + 1),
            wait=self._retry_wait,
            reraise=True,
        )
        return retrying(self._recorded, harvest, url, role, hint, interval)

    def interval(self, harvest: Harvest, url: str) -> float:
        delay = self.robots(harvest, url).crawl_delay(self.policy.user_agent)
        return max(self.min_interval_s, delay or 0.0)

    def _get(
        self, url: str, hint: CacheHint | None = None, interval: float | None = None, *, accept_gzip: bool = False
    ) -> FetchResult:
        self._wait_turn(self.min_interval_s if interval is None else interval)
        hint = hint or CacheHint()
        pause = self.min_interval_s if interval is None else interval

        def pace() -> None:
            self._last_request = time.monotonic()
            self._wait_turn(pause)

        try:
            return fetch(
                self.session,
                url,
                self.policy,
                etag=hint.etag,
                last_modified=hint.last_modified,
                accept_gzip=accept_gzip,
                pace=pace,
            )
        finally:
            # The interval runs from the end of a request to the start of the next: as seen by the
            # server, two requests are never closer than the interval, however slow the network.
            self._last_request = time.monotonic()

    def get(
        self, harvest: Harvest, url: str, role: str, hint: CacheHint | None = None, *, quiet_404: bool = False
    ) -> FetchResult | None:
        """Fetch ``url`` if robots.txt allows, recording it; ``None`` when it failed (and why is recorded).

        ``quiet_404``: a 404 is recorded in the fetch log but not reported as an error of the night.
        """
        if self._gave_up:
            harvest.gave_up = self._gave_up
            harvest.skipped += 1
            return None
        try:
            rules = self.robots(harvest, url)
            if not rules.can_fetch(url, self.policy.user_agent):
                refused = Blocked(f"{url}: disallowed by robots.txt ({rules.reason})", url=url)
                harvest.records.append(_failure(harvest.source_id, url, role, refused, datetime.now(UTC)))
                raise refused
            result = self._with_retries(harvest, url, role, hint)
            self._failures_in_a_row = 0
            return result
        except FetchError as exc:
            if _host_failure(exc):
                self._failures_in_a_row += 1
                if self._failures_in_a_row >= self.failure_limit:
                    self._gave_up = (
                        f"gave up on {host_key(url)} after {self._failures_in_a_row} failures in a row: {exc}"
                    )
                    harvest.gave_up = self._gave_up
                    harvest.errors.append(self._gave_up)
            gone = isinstance(exc, HTTPStatusError) and exc.status_code in (404, 410)
            if gone and role == "post":
                harvest.gone.append(url)
            elif not (gone and quiet_404):
                harvest.errors.append(str(exc))
            return None


# Index pages whose 404 only means "this platform feature is switched off here".
QUIET_404_ROLES = frozenset({"api", "sitemap"})
# An API or sitemap that answered 404 is not asked for again for a week: blogs rarely add one.
MISSING_RECHECK = timedelta(days=7)
# A homepage checked (200 or 304) this recently is not requested: its stored copy finds the platform
# and the feeds, which blogs change about as rarely as they add an API. It is asked for again once
# a week, and at once when the feeds it names stop answering (``index_candidates``).
HOMEPAGE_RECHECK = timedelta(days=7)


def index_candidates(
    client: Fetcher,
    harvest: Harvest,
    source: Source,
    known: Mapping[str, CacheHint],
    *,
    since: datetime | None = None,
    backfill: bool = False,
) -> list[FeedEntry]:
    """Post candidates of ``source`` by its platform's strategy (``extract.platforms``).

    Index pages (API pages, feeds, sitemaps) are requested conditionally, except when
    backfilling, which must walk every page; a 304 means nothing new there. A homepage checked in
    the last ``HOMEPAGE_RECHECK`` is not asked for again: its stored copy names the platform and the
    feeds (``stored_homepage``). If no feed or API then answers, the homepage is fetched and the
    discovery done again, reusing what the first pass already fetched.
    """
    use_stored = not backfill
    used_stored: list[str] = []
    answered: list[str] = []
    fetched: dict[tuple[str, str], FetchResult | None] = {}

    def get(url: str, role: str) -> FetchResult | None:
        if (url, role) in fetched:
            return fetched[(url, role)]  # the second discovery pass: each index page is asked for once
        hint = None if backfill else known.get(url)
        if role == "homepage" and use_stored and hint is not None:
            stored = stored_homepage(url, hint, datetime.now(UTC))
            if stored is not None:
                used_stored.append(url)
                return stored
        result = _get_index(url, role, hint)
        if role != "homepage":
            fetched[(url, role)] = result
        if result is not None and role in ("feed", "api"):
            answered.append(url)
        return result

    def _get_index(url: str, role: str, hint: CacheHint | None) -> FetchResult | None:
        if hint is not None and hint.role == "missing":
            if hint.checked_at is not None and datetime.now(UTC) - hint.checked_at < MISSING_RECHECK:
                return None  # answered 404 lately: the blog has no such API or sitemap; ask again next week
            hint = None
        if role == "homepage" and (hint is None or hint.role != "homepage" or not hint.body):
            hint = None  # its body is read, so it is asked for conditionally only when we have it stored
        result = client.get(harvest, url, role, hint, quiet_404=role in QUIET_404_ROLES)
        if role == "homepage" and hint is not None and hint.body and result is not None and result.not_modified:
            return replayed_homepage(hint.body, result) or client.get(harvest, url, role, None)
        return result

    sitemaps = client.robots(harvest, source.url).sitemaps()

    def discover() -> tuple[list[FeedEntry], str]:
        return index_entries(
            get,
            source.url,
            source.feed,
            source.platform,
            since=since,
            backfill=backfill,
            homepage=None,
            sitemaps=sitemaps,
            errors=harvest.errors,
        )

    entries, platform = discover()
    if used_stored and not answered:
        use_stored = False  # the stored homepage led nowhere tonight: the live one may name other feeds
        entries, platform = discover()
    harvest.platform = platform
    return entries


def revalidation_entries(
    known: Mapping[str, CacheHint], listed: list[FeedEntry], cutoff: datetime | None
) -> list[FeedEntry]:
    """Stored posts not listed tonight but recent enough to re-check (edits, deletions).

    Posts published after ``cutoff`` (or with no known date) are re-requested conditionally:
    unchanged ones cost a 304, edited ones are re-processed, deleted ones answer 404/410.
    ``cutoff=None`` re-checks none.
    """
    if cutoff is None:
        return []
    seen = {canonical_url(e.url) for e in listed}
    return [
        FeedEntry(url=url, via="revalidate")
        for url, hint in known.items()
        if hint.role == "post"
        and canonical_url(url) not in seen
        and (hint.published is None or hint.published >= cutoff)
    ]


def full_body(entry: FeedEntry) -> bool:
    """Whether the API/feed entry carries the whole post, so its page need not be fetched.

    Platform APIs give the full body (a paid Substack post only a teaser); feeds often carry
    only a summary, so a feed body counts only when it is long and not cut off.
    """
    if not entry.content_html or entry.access == "paid":
        return False
    if entry.via == "api":
        return True
    text = " ".join(_TAGS.sub(" ", entry.content_html).split())
    return len(text) >= _MIN_FULL_FEED_CHARS and not _TRUNCATED.search(text[-80:])


def harvest_source(
    client: Fetcher,
    source: Source,
    known: Mapping[str, CacheHint],
    *,
    revalidate_after: datetime | None = None,
    since: datetime | None = None,
    backfill: bool = False,
) -> Harvest:
    """Fetch every new or changed post of ``source``; never raises for a site's faults.

    ``revalidate_after``: stored posts published since then are re-checked even when the feed
    no longer lists them (see ``revalidation_entries``). ``backfill`` walks the archives (API
    pages, paged feeds, sitemaps) back to ``since``. Posts whose body the API or feed gives
    become pages without a request (``Page.text_source`` "api" or "feed").
    """
    harvest = Harvest(source.id)
    try:
        listed = index_candidates(client, harvest, source, known, since=since, backfill=backfill)
        harvest.listed = len(listed)
        fetched: set[str] = set()
        for entry in listed + revalidation_entries(known, listed, revalidate_after):
            if since is not None and entry.published is not None and entry.published < since:
                continue
            if full_body(entry):
                harvest.pages.append(_entry_page(source.id, entry))
                continue
            result = client.get(harvest, entry.url, "post", known.get(entry.url))
            if result is None:
                continue
            if result.not_modified:
                harvest.unchanged.append(entry.url)
                continue
            if canonical_url(result.final_url) in fetched:
                continue  # reached again through another URL (a redirect) tonight
            fetched.add(canonical_url(result.final_url))
            harvest.pages.append(
                Page(
                    source_id=source.id,
                    url=entry.url,
                    final_url=result.final_url,
                    html=decode_body(result.body, result.content_type),
                    body_sha256=hashlib.sha256(result.body).hexdigest(),
                    fetched_at=result.fetched_at,
                    entry=entry,
                )
            )
    except Exception as exc:  # noqa: BLE001 - a bug in one source must not end the night
        harvest.errors.append(f"{source.id}: unexpected {type(exc).__name__}: {exc}")
    return harvest


def _entry_page(source_id: str, entry: FeedEntry) -> Page:
    body = (entry.content_html or "").encode("utf-8")
    return Page(
        source_id=source_id,
        url=entry.url,
        final_url=entry.url,
        html=entry.content_html or "",
        body_sha256=hashlib.sha256(body).hexdigest(),
        fetched_at=datetime.now(UTC),
        entry=entry,
        text_source=entry.via,
    )


def harvest_host(
    sources: list[Source],
    known: Mapping[str, Mapping[str, CacheHint]],
    policy: FetchPolicy,
    host_delay_s: float,
    *,
    revalidate_after: datetime | None = None,
    failure_limit: int = 5,
    archive: RunArchive | None = None,
    since: datetime | None = None,
    backfill: bool = False,
) -> list[Harvest]:
    """Harvest every source on one host, one request at a time, sharing throttle and robots.

    Every response with a body is written to ``archive`` (when given) before it is recorded.
    """
    interval = max([host_delay_s, *(s.min_interval_s for s in sources if s.min_interval_s is not None)])
    robots_hints = {
        url: hint for source in sources for url, hint in known.get(source.id, {}).items() if hint.role == "robots"
    }
    client = HostClient(policy, interval, failure_limit=failure_limit, archive=archive, robots_hints=robots_hints)

    try:
        return [
            harvest_source(
                client,
                source,
                known.get(source.id, {}),
                revalidate_after=revalidate_after,
                since=since,
                backfill=backfill,
            )
            for source in sources
        ]
    finally:
        client.session.close()
