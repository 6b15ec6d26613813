"""Refuse to connect to non-public addresses (SSRF guard), twice over.

1. Before a request, the host is resolved and every address checked (check_host), so a
   refused URL is recorded as skipped/private_address without any connection.
2. The connection itself checks the address it actually connected to (GuardedAdapter),
   so DNS that answers differently the second time (rebinding) cannot slip through.
Requests' environment proxies are disabled by the client, since a proxy would make the
peer address meaningless.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

Resolver = Callable[..., list]


class AddressRefused(Exception):
    """The host resolves to an address we will not connect to.

    Deliberately not an OSError, so urllib3 neither retries it nor wraps it.
    """


class ResolutionFailed(Exception):
    """The host name does not resolve."""


def is_public_address(ip: str) -> bool:
    """True only for globally routable unicast addresses (IPv4 or IPv6)."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address):
        # ::ffff:10.0.0.1, 2002:0a00:0001:: (6to4) and Teredo embed IPv4 addresses that
        # the kernel may route to; judge the embedded address.
        embedded = addr.ipv4_mapped or addr.sixtofour or (addr.teredo[1] if addr.teredo else None)
        if embedded is not None and not is_public_address(str(embedded)):
            return False
    return not (
        addr.is_private
        or addr.is_loopback
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
        or not addr.is_global
    )


def check_host(host: str, port: int, resolver: Resolver = socket.getaddrinfo) -> None:
    """Raise AddressRefused unless every address host resolves to is public."""
    try:
        infos = resolver(host, port, 0, socket.SOCK_STREAM)
    except (UnicodeError, OSError, ValueError) as exc:  # gaierror is an OSError
        raise ResolutionFailed(f"cannot resolve {host!r}: {exc}") from exc
    addresses = sorted({info[4][0] for info in infos})
    if not addresses:
        raise ResolutionFailed(f"{host!r} resolves to no address")
    refused = [a for a in addresses if not is_public_address(a)]
    if refused:
        # One bad answer is enough: the connection could pick any of them.
        raise AddressRefused(f"{host} resolves to non-public address {', '.join(refused)}")


def _check_peer(sock: socket.socket, host: str) -> None:
    try:
        peer = sock.getpeername()[0]
    except OSError:
        return  # not connected after all; the request fails on its own
    if not is_public_address(peer):
        sock.close()
        raise AddressRefused(f"{host} connected to non-public address {peer}")


class _GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _check_peer(sock, self.host)
        return sock


class _GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _check_peer(sock, self.host)
        return sock


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections refuse non-public peers."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }
