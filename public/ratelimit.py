"""Who is asking (the client IP, behind the reverse proxy) and how often (a counter in the cache).

The client IP
-------------
gunicorn sees the reverse proxy, not the visitor: REMOTE_ADDR is the proxy's address. The proxy
appends the address it received the request from to X-Forwarded-For; anything to the left of that
was written by the client and can be forged. So:

- TRUSTED_PROXY_COUNT = 0 (the default): REMOTE_ADDR, as the audit log records it. Right when the
  app is reached directly, or when the proxy in front rewrites the source address.
- TRUSTED_PROXY_COUNT = N (N proxies in front, each appending to X-Forwarded-For, as nginx does with
  `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`): the N-th address from the RIGHT
  of X-Forwarded-For, i.e. the address the outermost trusted proxy saw. A header with fewer entries
  (or a malformed one) falls back to REMOTE_ADDR.

With a proxy in front and the count left at 0, every visitor shares the proxy's address: the limit
then applies to everyone together (it fails closed, never open). TRUST_X_FORWARDED_PROTO is about
the scheme only and says nothing about addresses, so it is a separate setting.

IPv6 clients are counted per /64 network, the block one subscriber usually holds.

The counter
-----------
`hit()` is atomic on every cache Django ships (memory, Redis): `add` creates the key with its
expiry only if missing, and `incr` increments it without touching the expiry, so two concurrent
requests can never both be "the fifth". The window starts at the first hit and lasts `window`.
"""

import ipaddress

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str | None:
    """The visitor's IP address, as far as the trusted proxies vouch for it (see the module doc)."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            candidate = _valid_ip(forwarded[-proxies])
            if candidate:
                return candidate
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_key(ip: str | None) -> str:
    """The rate-limit key of an address: the address itself, or its /64 for IPv6."""
    if not ip:
        return "unknown"
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key`; True while the count is within `limit` for the current window."""
    cache_key = f"ratelimit:{key}"
    for _attempt in range(2):
        cache.add(cache_key, 0, timeout=window_seconds)
        try:
            return cache.incr(cache_key) <= limit
        except ValueError:  # expired between add and incr: start the next window
            continue
    return False
