"""A hostile test web for crawler tests: fictional blogs on loopback that misbehave on purpose.

``hostile_web()`` starts one HTTP server per site, each on its own loopback IP, using only two
port numbers, plus a trap on ``127.0.0.3`` that records every request reaching it. The sites
cover WordPress (REST API), Blogger (GData JSON), Substack (archive API, one paid post), Ghost,
a Medium-style blog, an autodetect site with a gzipped sitemap index and one post under three
URLs, a site of HTTP faults (429, 503, slow, redirect loop, 50 MB page, gzip bomb, PNG as HTML,
cp1252 page, links into the trap), a site with a malformed feed and one with an entity bomb.
``day=1`` (with day 0's ``ports``) edits, adds and deletes posts and takes the Ghost site down.

Standard library only (the crawler's own parsers are used in the self-tests, never here).
"""

from tests.extract.hostile.model import ExpectedPost, HostileSite, HostileWeb, Request
from tests.extract.hostile.server import hostile_web

__all__ = ["ExpectedPost", "HostileSite", "HostileWeb", "Request", "hostile_web"]
