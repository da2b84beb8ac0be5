"""HTTP connections that connect only to addresses the guard has vetted (closing DNS rebinding).

``extract.guard.check_url`` resolves a URL's host and refuses non-public addresses before each
request, but urllib3 then resolves the name again to connect: a name whose DNS answer changes in
between (public for the check, 127.0.0.1 for the connection) would get through. Here every new
connection resolves once, vets those addresses (``guard.vetted_addresses``) and connects to them,
so what was checked is what is connected to. TLS still verifies the certificate for the host name.

``guarded_adapter(policy, ...)`` is a requests ``HTTPAdapter`` whose pools use such connections;
``extract.fetch.new_session`` mounts it.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection

from extract.guard import PrivatePolicy, vetted_addresses


def _connect(conn: HTTPConnection, policy: PrivatePolicy) -> socket.socket:
    """urllib3's ``_new_conn``, with the name resolved and vetted here and the vetted addresses used."""
    addresses = vetted_addresses(conn._dns_host, conn.port or 80, policy)  # raises Blocked
    last: OSError | None = None
    for address in addresses:  # in the resolver's order, as create_connection would try them
        try:
            sock = connection.create_connection(
                (address, conn.port or 80),
                conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except TimeoutError as exc:
            raise ConnectTimeoutError(
                conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})"
            ) from exc
        except OSError as exc:
            last = exc
            continue
        sys.audit("http.client.connect", conn, conn.host, conn.port)
        return sock
    raise NewConnectionError(conn, f"Failed to establish a new connection: {last}")


def guarded_adapter(policy: PrivatePolicy, **adapter_kwargs: Any) -> HTTPAdapter:
    """A requests adapter whose every new connection goes through ``_connect`` under ``policy``."""

    class GuardedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _connect(self, policy)

    class GuardedHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _connect(self, policy)

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    class GuardedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}

    return GuardedAdapter(**adapter_kwargs)
