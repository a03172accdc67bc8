"""Per-user and anonymous API rate limits (sliding windows, atomic, failing open), and the per-user cap
on analyses waiting or running as the API answers it.

DRF's own throttles keep a list of timestamps per client and write it back (read, append, write): under
concurrency many requests read the same list and all pass. Here the check and the record are one step
in the cache (`deepfake_site.ratelimit.allow`, a Lua script on Redis), over a sliding window: at most
`num_requests` in any `duration` seconds, at a window's edge too. Rates are read from settings at
request time (DRF copies them once at import) and may name any period ("120/minute", "5/10s").

When the cache (Redis) is down the limit is not enforced and the outage is logged: a broker outage must
not turn every API request into a 500.

An anonymous client is counted by `deepfake_site.ratelimit.client_address`, the log-in throttle's
rule, not by DRF's default, which (NUM_PROXIES unset) keys on the whole X-Forwarded-For header: a
client could send a new one with every request and never be limited.
"""

from rest_framework import exceptions, status, throttling
from rest_framework.settings import api_settings

from deepfake_site import ratelimit


class _SlidingWindow:
    decision = None

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def parse_rate(self, rate):
        return ratelimit.parse_rate(rate) if rate else (None, None)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.decision = ratelimit.allow(ratelimit.Rule(f"rl:api:{key}", self.num_requests, self.duration))
        return self.decision.allowed

    def wait(self):
        return max(1, self.decision.wait_s) if self.decision else None

    def get_ident(self, request):
        return ratelimit.client_address(request)


class UserRateThrottle(_SlidingWindow, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(_SlidingWindow, throttling.AnonRateThrottle):
    pass


API_THROTTLES = [UserRateThrottle, AnonRateThrottle]


class QueueFull(exceptions.APIException):
    """A new analysis past the owner's cap (detector.fair_queue.TooManyActive), as the API answers it."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "too_many_active"
    default_detail = "You already have too many analyses waiting or running."
