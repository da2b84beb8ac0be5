"""Tiny real HTTP servers on loopback for fetch tests: routes map a path to a handler."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Served:
    base_url: str
    hits: list[str] = field(default_factory=list)


@contextmanager
def http_server(routes: dict[str, Handler], host: str = "127.0.0.1") -> Iterator[Served]:
    """Serve ``routes`` on ``host`` at a free port; every request path is recorded in ``hits``."""
    served = Served("")

    class _Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            served.hits.append(self.path)
            route = routes.get(self.path.split("?")[0])
            if route is None:
                self.send_error(404)
                return
            route(self)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer((host, 0), _Handler)
    served.base_url = f"http://{host}:{server.server_address[1]}"
    # A 20 ms shutdown poll: the 0.5 s default, paid by every test, adds up.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


def respond(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Handler:
    """A handler that always answers ``status`` with ``body`` and ``headers``."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        for key, value in (headers or {"Content-Type": "text/html; charset=utf-8"}).items():
            request.send_header(key, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return handler
