"""Per-user and anonymous rate limits: atomic counters that fail open.

DRF's own throttles keep a list of timestamps per client and write it back (read, append, write): under
concurrency many requests read the same list and all pass. Here each window is one counter that the
cache increments atomically (Redis INCR), so at most `num_requests` pass per window however many
arrive at once. Rates are read from settings at request time (DRF copies them once at import).

When the cache (Redis) is down the limit is not enforced and the outage is logged: a broker outage must
not turn every API request into a 500.

An anonymous client is counted by `client_address`, the log-in throttle's rule, not by DRF's default,
which (NUM_PROXIES unset) keys on the whole X-Forwarded-For header: a client could send a new one with
every request and never be limited.
"""

import ipaddress
import logging
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework import throttling
from rest_framework.settings import api_settings

log = logging.getLogger(__name__)


class _AtomicWindow:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        window = int(time.time() // self.duration)
        self.window_ends = (window + 1) * self.duration
        try:
            return hit(f"{ident}:{window}", self.duration) <= self.num_requests
        except Exception as error:
            log.warning("Rate limit %s not enforced: the cache is unreachable (%s)", self.scope, error)
            return True

    def wait(self):
        return max(1, self.window_ends - time.time())

    def get_ident(self, request):
        return client_address(request)


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


def hit(key, ttl):
    """Count one request in the window `key`; returns the count so far. Atomic on Redis and locmem."""
    cache.add(key, 0, timeout=ttl + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=ttl + 1)
        return 1


class UserRateThrottle(_AtomicWindow, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(_AtomicWindow, throttling.AnonRateThrottle):
    pass


API_THROTTLES = [UserRateThrottle, AnonRateThrottle]
