"""Serve the hostile web: one ThreadingHTTPServer per site, plus the trap, on two port numbers.

Ports: A and B are chosen by binding ``127.0.0.1:0`` and then binding the same number on every
other IP of that slot, retrying with fresh numbers when one is taken (nothing is released in
between, so there is no race). ``ports`` pins them, which is how day 1 keeps day 0's URLs.

Every response is written by hand (status line, headers, body) so the request record can be
appended just before the final byte leaves: a client that has read a whole response always
finds its ``Request`` in the log. Streamed replies (``/huge``) close the connection to end.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

from flows.blogosphere.loopback import LockedLog, TrackingServer
from tests.extract.hostile.common import Env
from tests.extract.hostile.model import ExpectedPost, HostileSite, HostileWeb, Request
from tests.extract.hostile.replies import Reply, Req, Router
from tests.extract.hostile.sites import SPECS, TRAP_IP, TRAP_SLOT, base_url, day_facts, trap_router

_BIND_ATTEMPTS = 12
SERVER_HEADER = "nginx/1.24.0"


class _Server(TrackingServer):
    """One host's server; it tracks open connections so that exit can cut idle keep-alives."""

    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], stop: threading.Event, latency_s: float) -> None:
        self.stop = stop
        self.latency_s = latency_s
        self.router: Router | None = None
        self.log: LockedLog[Request] | None = None
        super().__init__(address, _Handler)

    @property
    def host_key(self) -> str:
        """``ip:port`` of this server."""
        host, port = self.server_address[:2]
        return f"{host!s}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hang up (resets, broken pipes); report anything else."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Answers every method through the server's router and logs each request."""

    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 30

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = do_GET  # noqa: N815

    def _head(self, reply: Reply) -> bytes:
        try:
            phrase = HTTPStatus(reply.status).phrase
        except ValueError:
            phrase = "Unknown"
        lines = [f"HTTP/1.1 {reply.status} {phrase}", f"Server: {SERVER_HEADER}", f"Date: {formatdate(usegmt=True)}"]
        lines += [f"{name}: {value}" for name, value in reply.headers]
        if self.close_connection and not any(n.lower() == "connection" for n, _ in reply.headers):
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _record(self, started: float, status: int, headers: dict[str, str]) -> None:
        assert self.server.log is not None
        self.server.log.append(
            Request(self.server.host_key, self.command, self.path, headers, started, time.monotonic(), status)
        )

    def _serve(self) -> None:
        started = time.monotonic()
        headers = dict(self.headers.items())
        status, logged = 0, False
        server = self.server
        try:
            if self.command not in ("GET", "HEAD"):
                self.close_connection = True  # any request body is left unread
            if server.latency_s > 0 and server.stop.wait(server.latency_s):
                return
            assert server.router is not None, "server started before its routes were built"
            reply = server.router.answer(Req.parse(self.command, self.path, headers))
            if reply.delay_s > 0 and server.stop.wait(reply.delay_s):
                return
            if reply.stream is not None or any(
                n.lower() == "connection" and v.lower() == "close" for n, v in reply.headers
            ):
                self.close_connection = True
            status = reply.status
            head = self._head(reply)
            if reply.stream is None or self.command == "HEAD":
                data = head + (b"" if self.command == "HEAD" else reply.body)
                self.wfile.write(data[:-1])
                self._record(started, status, headers)
                logged = True
                self.wfile.write(data[-1:])
                return
            self.wfile.write(head)
            for chunk in reply.stream():
                if server.stop.is_set():
                    break
                self.wfile.write(chunk)
        except OSError:  # the client went away (or exit cut the connection)
            self.close_connection = True
        finally:
            if not logged:
                self._record(started, status, headers)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet in tests
        return


def _open_servers(
    addresses: list[tuple[str, int]], ports: tuple[int, int] | None, stop: threading.Event, latency_s: float
) -> tuple[dict[tuple[str, int], _Server], tuple[int, int]]:
    """Bind one server per ``(ip, slot)``; slot numbers are A (0) and B (1)."""
    order = sorted(addresses, key=lambda a: (a[1], a[0] != "127.0.0.1", a[0]))
    for attempt in range(_BIND_ATTEMPTS):
        chosen = list(ports) if ports else [0, 0]
        made: dict[tuple[str, int], _Server] = {}
        try:
            for ip, slot in order:
                server = _Server((ip, chosen[slot]), stop, latency_s)
                made[(ip, slot)] = server
                chosen[slot] = int(server.server_address[1])
            return made, (chosen[0], chosen[1])
        except OSError:
            for server in made.values():
                server.server_close()
            if ports or attempt == _BIND_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@contextmanager
def hostile_web(
    *, day: int = 0, ports: tuple[int, int] | None = None, latency_s: float = 0.0, crawl_delays: bool = True
) -> Iterator[HostileWeb]:
    """Run the hostile web as it stands on ``day`` and yield where everything is.

    ``ports`` (A, B) pins the two port numbers (pass day 0's ``web.ports`` to day 1).
    ``latency_s`` delays every response. ``crawl_delays=False`` leaves the Crawl-delay lines out of
    the faults site's robots.txt (same pages, same faults, no 2 s between requests), for tests of
    something other than politeness. Servers and open connections are closed on exit.
    """
    records: list[Request] = []
    trap_records: list[Request] = []
    stop = threading.Event()
    up = [spec for spec in SPECS if spec.up_on(day)]
    addresses = [(s.ip, s.slot) for s in up] + [(TRAP_IP, TRAP_SLOT)]
    servers, chosen = _open_servers(addresses, ports, stop, latency_s)
    threads: list[threading.Thread] = []
    started: list[_Server] = []
    try:
        trap_base = base_url(TRAP_IP, chosen[TRAP_SLOT])
        bases = {s.id: base_url(s.ip, chosen[s.slot]) for s in SPECS}
        expected: list[ExpectedPost] = []
        for spec in up:
            server = servers[(spec.ip, spec.slot)]
            built = spec.build(Env(spec.id, bases[spec.id], day, trap_base, crawl_delays))
            server.router, server.log = built.router, LockedLog(records)
            expected += built.expected
        trap = servers[(TRAP_IP, TRAP_SLOT)]
        trap.router, trap.log = trap_router(trap_base), LockedLog(trap_records)
        for server in servers.values():
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"hostile-{server.host_key}",
                daemon=True,
            )
            thread.start()
            threads.append(thread)
            started.append(server)
        sites = tuple(
            HostileSite(
                s.id,
                s.name,
                s.platform,
                bases[s.id],
                bases[s.id] + s.feed_path if s.feed_path else None,
                f"{s.ip}:{chosen[s.slot]}",
            )
            for s in SPECS
        )
        facts = day_facts(day, bases)
        yield HostileWeb(
            sites=sites,
            allowed_hosts=tuple(sorted({s.ip for s in SPECS})),
            request_log=records,
            trap_hits=trap_records,
            ports=chosen,
            day=day,
            edited_url=facts.edited_url,
            deleted_url=facts.deleted_url,
            new_urls=facts.new_urls,
            down_site_id=facts.down_site_id,
            trap_url=trap_base,
            expected=tuple(expected),
            source_info={s.id: s.info for s in SPECS},
        )
    finally:
        stop.set()
        stoppers = [threading.Thread(target=s.shutdown, daemon=True) for s in started]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join(timeout=5)
        for server in servers.values():
            server.drop_connections()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)
