"""The rate counter the API throttles and the log-in throttle share, and the client they count.

`hit` counts one request in a fixed window: the cache increments one counter atomically (Redis INCR),
so a burst that arrives at once cannot slip past a read-then-write. `client_address` is who an
anonymous client is: not DRF's default, which (NUM_PROXIES unset) keys on the whole X-Forwarded-For
header, so a client could send a new one with every request and never be limited.

Used by detector/api/throttles.py (per-user and anonymous API rates) and accounts/login_throttle.py
(failed log-ins); neither app depends on the other.
"""

import ipaddress

from django.conf import settings
from django.core.cache import cache


def hit(key, ttl):
    """Count one request in the window `key`; returns the count so far. Atomic on Redis and locmem."""
    cache.add(key, 0, timeout=ttl + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=ttl + 1)
        return 1


def client_address(request):
    """The client, as rate limits count it: REMOTE_ADDR, or with DEEPTRACE_PROXY_COUNT proxies in front
    (nginx), the address the outermost trusted proxy saw, from the right of X-Forwarded-For (the left
    is the client's to forge). An IPv6 address counts as its /64: one subscriber usually holds a
    whole /64 and could otherwise take a fresh address for every request."""
    proxies = settings.DEEPTRACE_PROXY_COUNT
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    address = forwarded[-proxies] if proxies and len(forwarded) >= proxies else request.META.get("REMOTE_ADDR", "")
    return _subscriber(address)


def _subscriber(address):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an address (a proxy's "unknown"): counted as given
    if ip.version == 6:
        if ip.ipv4_mapped:  # ::ffff:a.b.c.d, an IPv4 client through a dual-stack socket
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
