"""Per-user and anonymous rate limits: atomic counters that fail open.

DRF's own throttles keep a list of timestamps per client and write it back (read, append, write): under
concurrency many requests read the same list and all pass. Here each window is one counter that the
cache increments atomically (`deepfake_site.ratelimit.hit`, Redis INCR), so at most `num_requests`
pass per window however many arrive at once. Rates are read from settings at request time (DRF copies
them once at import).

When the cache (Redis) is down the limit is not enforced and the outage is logged: a broker outage must
not turn every API request into a 500.

An anonymous client is counted by `deepfake_site.ratelimit.client_address`, the log-in throttle's
rule, not by DRF's default, which (NUM_PROXIES unset) keys on the whole X-Forwarded-For header: a
client could send a new one with every request and never be limited.
"""

import logging
import time

from rest_framework import throttling
from rest_framework.settings import api_settings

from deepfake_site.ratelimit import client_address, hit

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


class UserRateThrottle(_AtomicWindow, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(_AtomicWindow, throttling.AnonRateThrottle):
    pass


API_THROTTLES = [UserRateThrottle, AnonRateThrottle]
