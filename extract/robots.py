"""robots.txt rules per host, parsed by protego.

A missing robots.txt (4xx) allows everything; one that cannot be fetched for another reason
(5xx, timeout, refused) disallows the host for the night, as Google and RFC 9309 advise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

from extract.errors import Blocked, FetchError, HTTPStatusError
from extract.fetch import FetchResult


@dataclass(frozen=True)
class RobotsRules:
    """The parsed rules of one host, or a blanket allow / deny when there were none."""

    parser: Protego | None
    allow_all: bool
    reason: str

    def can_fetch(self, url: str, user_agent: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None

    def sitemaps(self) -> list[str]:
        return list(self.parser.sitemaps) if self.parser is not None else []


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/robots.txt"


def load_robots(url: str, get: Callable[[str], FetchResult], cached: str | None = None) -> RobotsRules:
    """Fetch and parse the robots.txt of ``url``'s host with ``get``.

    Raises ``Blocked`` when the host may not be fetched at all.
    """
    try:
        result = get(robots_url(url))
    except HTTPStatusError as exc:
        if 400 <= exc.status_code < 500:
            return RobotsRules(None, allow_all=True, reason=f"no robots.txt (HTTP {exc.status_code})")
        return RobotsRules(None, allow_all=False, reason=f"robots.txt unavailable (HTTP {exc.status_code})")
    except Blocked:
        raise  # the host itself is refused; robots.txt has no say
    except FetchError as exc:
        return RobotsRules(None, allow_all=False, reason=f"robots.txt unavailable ({exc.kind})")
    if result.not_modified and cached is not None:
        return RobotsRules(Protego.parse(cached), allow_all=True, reason="robots.txt (unchanged)")
    text = result.body.decode("utf-8", errors="replace")

    return RobotsRules(Protego.parse(text), allow_all=True, reason="robots.txt")
