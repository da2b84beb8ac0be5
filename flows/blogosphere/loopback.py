"""Pieces every loopback test server of the project shares: a locked log and a server that can
cut its keep-alive clients on exit (so nothing keeps answering after a ``with`` block closes)."""

from __future__ import annotations

import socket
import sys
import threading
from contextlib import suppress
from http.server import ThreadingHTTPServer
from typing import Generic, TypeVar

T = TypeVar("T")


class LockedLog(Generic[T]):
    """Appends records to a shared list under a lock (handlers run on many threads)."""

    def __init__(self, records: list[T]) -> None:
        self.records = records
        self._lock = threading.Lock()

    def append(self, record: T) -> None:
        """Add ``record`` to the shared list."""
        with self._lock:
            self.records.append(record)


class TrackingServer(ThreadingHTTPServer):
    """A threading HTTP server that remembers its open client connections."""

    daemon_threads = True

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def track(self, conn: socket.socket, is_open: bool) -> None:
        """Remember (or forget) a client connection."""
        with self._open_lock:
            (self._open.add if is_open else self._open.discard)(conn)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client hanging up mid keep-alive (a crawler process exiting) is routine: no traceback."""
        if isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def drop_connections(self) -> None:
        """Shut down every client connection still open (idle keep-alives included)."""
        with self._open_lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
