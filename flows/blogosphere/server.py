"""Serve the sample blogs over loopback HTTP: one ThreadingHTTPServer per blog.

Each blog gets its own port because crawlers treat host:port as the unit of politeness and of
robots.txt. Pages are rendered before the first request, so serving is a dictionary lookup.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from flows.blogosphere.content import load_blogs
from flows.blogosphere.loopback import LockedLog, TrackingServer
from flows.blogosphere.model import Blog, RequestRecord
from flows.blogosphere.pages import SiteRoutes
from flows.blogosphere.responder import answer
from flows.blogosphere.site import build_routes
from flows.blogosphere.sphere import Blogosphere, site_of


class _SiteServer(TrackingServer):
    """One blog's server; it tracks open connections so exit can cut keep-alive clients."""

    def __init__(self, address: tuple[str, int], site_id: str, log: LockedLog[RequestRecord], latency_s: float) -> None:
        self.site_id = site_id
        self.log = log
        self.latency_s = latency_s
        self.routes: SiteRoutes | None = None
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    """Answers GET and HEAD from the server's route table and logs every request."""

    server: _SiteServer
    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.24.0"
    sys_version = ""
    timeout = 30

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._reply(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._reply(head=True)

    def _reply(self, *, head: bool) -> None:
        arrived = time.time()
        if self.server.latency_s > 0:
            time.sleep(self.server.latency_s)
        routes = self.server.routes
        assert routes is not None, "server started before its pages were rendered"
        headers = dict(self.headers.items())
        reply = answer(routes, self.path, {name.lower(): value for name, value in headers.items()})
        self.server.log.append(
            RequestRecord(self.server.site_id, self.command, self.path, headers, arrived, reply.status)
        )
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        if reply.body and not head:
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet in tests
        return


@contextmanager
def serve(
    host: str = "127.0.0.1",
    *,
    day: int = 0,
    latency_s: float = 0.0,
    ports: Mapping[str, int] | None = None,
    redesigned: frozenset[str] = frozenset(),
    blogs: Sequence[Blog] | None = None,
    build: Callable[[Blog, int, str], SiteRoutes] = build_routes,
) -> Iterator[Blogosphere]:
    """Run every sample blog as it stands on ``day`` and yield where they are.

    Each blog listens on its own free port unless ``ports`` (site id -> port, e.g. an earlier
    run's ``Blogosphere.ports``) pins it, which is how a test serves day 1 at day 0's URLs.
    ``latency_s`` delays every response, for benchmarks. Sites in ``redesigned`` serve their post
    pages as a script-rendered shell (see ``site.build_routes``). All servers, and any connections
    still open to them, are shut down when the block exits. ``blogs`` replaces the sample blogs
    and ``build`` the renderer (the benchmarks serve a generated blogosphere, ``bench.corpus``).
    """
    blogs = tuple(blogs) if blogs is not None else load_blogs()
    records: list[RequestRecord] = []
    log: LockedLog[RequestRecord] = LockedLog(records)
    servers: list[_SiteServer] = []
    threads: list[threading.Thread] = []
    try:
        for blog in blogs:
            servers.append(_SiteServer((host, (ports or {}).get(blog.id, 0)), blog.id, log, latency_s))
        sites = []
        for blog, server in zip(blogs, servers, strict=True):
            base = f"http://{host}:{server.server_address[1]}/"
            server.routes = (
                build_routes(blog, day, base, redesigned=blog.id in redesigned)
                if build is build_routes
                else build(blog, day, base)
            )
            sites.append(site_of(blog, base))
        for server in servers:
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"blogosphere-{server.site_id}",
                daemon=True,
            )
            thread.start()
            threads.append(thread)
        yield Blogosphere(host=host, sites=tuple(sites), request_log=records, day=day, blogs=blogs)
    finally:
        for server, _ in zip(servers, threads, strict=False):
            server.shutdown()
        for server in servers:
            server.drop_connections()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)
