"""Which sites exist, where they listen, what the sources file says about them, and day-1 facts.

Sites are told apart by loopback IP, on only two port numbers (A = slot 0, B = slot 1):

=================  ==========  =========  =================  =====================
site               address     platform   feed in sources    builder
=================  ==========  =========  =================  =====================
wp-dunmore-ledger  127.0.0.1:A wordpress  ``/feed/``         ``site_wordpress``
blogger-fenwick…   127.0.0.1:B blogger    (discovered)       ``site_blogger``
substack-quarry…   127.0.0.2:A substack   ``/feed``          ``site_substack``
ghost-tidewater    127.0.0.2:B ghost      ``/rss/``          ``site_ghost`` (down day 1)
medium-lantern     127.0.0.4:A medium     ``/feed``          ``site_medium``
auto-hollins…      127.0.0.4:B (none)     (discovered)       ``site_generic``
faults-brackwater  127.0.0.5:A generic    ``/feed.xml``      ``site_faults``
badfeeds-millrace  127.0.0.5:B generic    ``/feed2/``        ``site_badfeeds``
bombfeed-gallows   127.0.0.6:A generic    ``/feed/``         ``site_badfeeds``
(trap)             127.0.0.3:A                               ``trap_router``
=================  ==========  =========  =================  =====================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.extract.hostile import (
    content,
    site_badfeeds,
    site_blogger,
    site_faults,
    site_generic,
    site_ghost,
    site_medium,
    site_substack,
    site_wordpress,
)
from tests.extract.hostile.common import SITE_EPOCH, Built, Env
from tests.extract.hostile.model import SourceInfo
from tests.extract.hostile.replies import HTML, Reply, Req, Router, ok, resource

TRAP_IP = "127.0.0.3"
TRAP_SLOT = 0


@dataclass(frozen=True)
class SiteSpec:
    """One site: identity, address (IP and port slot), sources-file fields and its builder."""

    id: str
    name: str
    platform: str | None
    ip: str
    slot: int
    feed_path: str | None
    info: SourceInfo
    build: Callable[[Env], Built]
    down_from_day: int | None = None

    def up_on(self, day: int) -> bool:
        """Whether the site's server runs on ``day``."""
        return self.down_from_day is None or day < self.down_from_day


SPECS: tuple[SiteSpec, ...] = (
    SiteSpec(content.WP, site_wordpress.NAME, "wordpress", "127.0.0.1", 0, "feed/",
             SourceInfo("GB", "en", "centre-left"), site_wordpress.build),
    SiteSpec(content.BLOGGER, site_blogger.NAME, "blogger", "127.0.0.1", 1, None,
             SourceInfo("US", "en", "centre-right"), site_blogger.build),
    SiteSpec(content.SUBSTACK, site_substack.NAME, "substack", "127.0.0.2", 0, "feed",
             SourceInfo("GB", "en", "left"), site_substack.build),
    SiteSpec(content.GHOST, site_ghost.NAME, "ghost", "127.0.0.2", 1, "rss/",
             SourceInfo("US", "en", "centre"), site_ghost.build, down_from_day=1),
    SiteSpec(content.MEDIUM, site_medium.NAME, "medium", "127.0.0.4", 0, "feed",
             SourceInfo("US", "en", "centre-left"), site_medium.build),
    SiteSpec(content.AUTO, site_generic.NAME, None, "127.0.0.4", 1, None,
             SourceInfo("GB", "en", "centre-right"), site_generic.build),
    SiteSpec(content.FAULTS, site_faults.NAME, "generic", "127.0.0.5", 0, "feed.xml",
             SourceInfo("GB", "en", "left"), site_faults.build),
    SiteSpec(content.BADFEEDS, site_badfeeds.BAD_NAME, "generic", "127.0.0.5", 1, "feed2/",
             SourceInfo("GB", "en", "centre"), site_badfeeds.build_badfeeds),
    SiteSpec(content.BOMBFEED, site_badfeeds.BOMB_NAME, "generic", "127.0.0.6", 0, "feed/",
             SourceInfo("GB", "en", "right"), site_badfeeds.build_bombfeed),
)  # fmt: skip


def base_url(ip: str, port: int) -> str:
    """``http://ip:port/``."""
    return f"http://{ip}:{port}/"


_TRAP_PAGE = resource(
    "<!DOCTYPE html>\n<html><head><title>Nothing to see</title></head><body><p>Move along.</p></body></html>\n",
    HTML,
    SITE_EPOCH,
)


def _trap_page(req: Req) -> Reply:
    return ok(_TRAP_PAGE, req)


def trap_router(base: str) -> Router:
    """The trap: every path answers a small 200 page (every request is recorded elsewhere)."""
    return Router(base, fallback=_trap_page)


@dataclass(frozen=True)
class DayFacts:
    """What changed on ``day`` compared with day 0 (all empty on day 0)."""

    edited_url: str | None = None
    deleted_url: str | None = None
    new_urls: tuple[str, ...] = ()
    down_site_id: str | None = None


def day_facts(day: int, bases: dict[str, str]) -> DayFacts:
    """The day-1 differences, as URLs under the running sites' ``bases`` (site id -> base URL)."""
    if day < 1:
        return DayFacts()
    wp, auto = bases[content.WP], bases[content.AUTO]
    edited = site_wordpress.path_of(content.post(content.WP, content.WP_EDITED, day))
    new = site_wordpress.path_of(content.post(content.WP, content.WP_NEW, day))
    return DayFacts(
        edited_url=wp + edited[1:],
        deleted_url=f"{auto}posts/{content.AUTO_DELETED}",
        new_urls=(wp + new[1:],),
        down_site_id=next(s.id for s in SPECS if not s.up_on(day)),
    )
