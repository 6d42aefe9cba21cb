"""Which URLs Blazz may call on someone's say-so (SSRF): a CRM's webhook endpoint, a file to send
by URL. http(s) only, and no address that resolves to loopback, private, link-local (cloud
metadata lives there), reserved or multicast ranges, unless WEBHOOKS_ALLOW_PRIVATE (dev and tests,
whose receivers and file servers listen on 127.0.0.1). Checked when the URL is given and again
before each request (DNS may have changed); the request then connects to the address checked here
(`resolve_allowed`, `pinned`), so a second lookup cannot swap it."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UrlNotAllowed(ValueError):
    pass


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
                or ip.is_unspecified)


def resolve_allowed(url: str) -> str:
    """The address to connect to for `url` (the first one it resolves to). Raises UrlNotAllowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UrlNotAllowed("Only http and https URLs with a host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as error:
        raise UrlNotAllowed(f"The host does not resolve ({error}).") from None
    addresses = [info[4][0] for info in infos]
    if not settings.WEBHOOKS_ALLOW_PRIVATE and not all(_address_allowed(a) for a in addresses):
        raise UrlNotAllowed("The URL resolves to a private, loopback, link-local or reserved address.")
    return addresses[0]


def pinned(url: str, address: str) -> tuple[str, dict, dict]:
    """(the URL with its host replaced by the checked address, the headers that keep the real
    host: Host, and httpx's request extensions: the TLS server name). Userinfo is dropped."""
    from urllib.parse import urlunsplit

    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    target = urlunsplit((parts.scheme, f"{host}:{parts.port}" if parts.port else host, parts.path or "/",
                         parts.query, ""))
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    return target, {"host": parts.netloc.rsplit("@", 1)[-1]}, extensions
