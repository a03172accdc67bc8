"""Per-user and anonymous rate limits, read from settings at request time.

DRF's own classes copy DEFAULT_THROTTLE_RATES once at import, so a changed setting (a test, a
reload) would not apply; these read the current value every time. Counters live in Django's cache:
use a shared cache (Redis) in production so the limit holds across web processes.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings


class _CurrentRate:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserRateThrottle(_CurrentRate, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(_CurrentRate, throttling.AnonRateThrottle):
    pass


API_THROTTLES = [UserRateThrottle, AnonRateThrottle]
