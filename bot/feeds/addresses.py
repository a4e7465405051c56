"""Which hosts rxradar may fetch from: public addresses only, unless the operator opts in.

A feed URL comes from whoever can run `feeds add` (or a redirect a feed server sends), so
without a check rxradar would fetch loopback services, the cloud metadata endpoint or the
intranet and store their answers as preprints. The check runs when a feed is added and
again on every connection the fetcher opens (each redirect hop, and the address DNS
actually answered, so a rebinding name cannot slip past). RXRADAR_ALLOW_PRIVATE_URLS=true
allows private addresses (intranet feeds, tests); credentials in URLs are always refused.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from bot.feeds.deadline import DeadlineBackend

ALLOW_PRIVATE_HINT = "set RXRADAR_ALLOW_PRIVATE_URLS=true to allow intranet feeds"


class PrivateAddress(ValueError):
    """The URL points at a non-public address (or carries credentials); the message says so."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int) -> list[str]:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise PrivateAddress(f"cannot resolve {host!r} ({exc}); check the URL") from exc
    return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


def check_addresses(host: str, addresses: Iterable[str], allow_private: bool) -> None:
    if allow_private:
        return
    private = [address for address in addresses if not is_public(address)]
    if private:
        raise PrivateAddress(
            f"{host} resolves to a non-public address ({', '.join(private)}); "
            f"rxradar only fetches public hosts ({ALLOW_PRIVATE_HINT})"
        )


def check_url(url: str, allow_private: bool) -> None:
    """Refuse URLs with credentials, and (unless allowed) hosts with non-public addresses."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise PrivateAddress(
            "the URL contains a user name or password; rxradar does not send credentials "
            "to feeds (remove the part before '@')"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PrivateAddress(f"{url!r} is not an http(s) URL")
    if allow_private:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = _resolve(parts.hostname, port)
    except PrivateAddress:
        return  # not resolvable now (offline?): every connection is checked again anyway
    check_addresses(parts.hostname, addresses, allow_private)


class _PublicOnlyBackend(httpcore.SyncBackend):
    """Connects only to the address it checked (DNS is asked once, here)."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None, socket_options: Any = None,
    ) -> httpcore.NetworkStream:  # fmt: skip
        try:
            addresses = _resolve(host, port)
            check_addresses(host, addresses, self.allow_private)
        except PrivateAddress as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        return super().connect_tcp(addresses[0], port, timeout, local_address, socket_options)


def guarded_transport(allow_private: bool) -> httpx.HTTPTransport:
    """An httpx transport whose every connection passes `check_addresses`."""
    transport = httpx.HTTPTransport()
    # httpx has no public hook for the network backend; httpcore's pool reads this attribute
    # and every socket operation honours the fetch's total deadline (bot.feeds.deadline)
    transport._pool._network_backend = DeadlineBackend(_PublicOnlyBackend(allow_private))
    return transport


def refuse_credentials(request: httpx.Request) -> None:
    """httpx request hook (runs for every redirect hop too)."""
    if request.url.userinfo:
        raise httpx.InvalidURL("a redirect asked for a URL with a user name or password")
