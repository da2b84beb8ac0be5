"""The address guard: which URLs slant may fetch at all.

Only http(s) URLs whose host resolves to public addresses are fetched. Private, loopback,
link-local (which covers cloud metadata at 169.254.169.254), multicast, reserved and unspecified
addresses are refused unless the settings allow that exact host (or host:port), or allow any.
The check runs on the first URL and again on every redirect, after DNS resolution, so a public
name that resolves to 127.0.0.1, or a redirect to 10.0.0.1, is caught; and every new connection
checks the addresses it is about to use (``vetted_addresses``, ``extract.pinning``), so an answer
that changes between the check and the connection (DNS rebinding) is caught too.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from extract.errors import Blocked


@dataclass(frozen=True)
class PrivatePolicy:
    """Which non-public hosts may be fetched: ``any_host`` or the listed host / host:port."""

    any_host: bool = False
    hosts: frozenset[str] = field(default_factory=frozenset)

    def allows(self, host: str, port: int) -> bool:
        return self.any_host or host in self.hosts or f"{host}:{port}" in self.hosts


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


def resolve(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Blocked(f"cannot resolve host {host!r}: {exc.strerror}", url=host) from exc
    return sorted({str(info[4][0]) for info in infos})


def check_url(url: str, policy: PrivatePolicy) -> None:
    """Raise ``Blocked`` unless ``url`` is http(s) and its host may be fetched under ``policy``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Blocked(f"refused {url}: only http and https are fetched", url=url)
    host = (parts.hostname or "").lower()
    if not host:
        raise Blocked(f"refused {url}: no host", url=url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise Blocked(f"refused {url}: bad port", url=url) from exc
    if policy.allows(host, port):
        return
    vetted_addresses(host, port, policy, url=url)


def vetted_addresses(host: str, port: int, policy: PrivatePolicy, *, url: str | None = None) -> list[str]:
    """The addresses of ``host`` a connection may use: all of them, or ``Blocked`` if any is not public.

    Called again by every new connection (``extract.pinning``), on that connection's own lookup, so a
    name that answered a public address to ``check_url`` and a private one a moment later (DNS
    rebinding) is refused instead of connected to.
    """
    addresses = resolve(host, port)
    if policy.allows(host.lower(), port):
        return addresses
    for address in addresses:
        if not _is_public(address):
            raise Blocked(
                f"refused {url or host}: {host} resolves to non-public address {address}; "
                f'allow it with allow_private = ["{host}"] or SLANT_ALLOW_PRIVATE={host}',
                url=url or host,
            )
    return addresses
