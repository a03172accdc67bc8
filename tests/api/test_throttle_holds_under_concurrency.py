"""The API rate limit holds when requests arrive at once: one atomic check-and-record per request (a
Lua script on Redis), not a read-modify-write list that concurrent requests all read before any
writes."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from deepfake_site.ratelimit import Rule, allow
from tests.private_redis import PrivateRedis

pytestmark = pytest.mark.django_db


def test_concurrent_requests_past_the_rate_are_refused(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "10/minute", "anon": "5/minute"}}
    with ThreadPoolExecutor(8) as pool:  # anonymous: the other threads cannot see this test's rows
        codes = list(pool.map(lambda _: APIClient().get("/api/v1/models/active/").status_code, range(40)))
    assert codes.count(429) == 35 and len(codes) == 40


def test_the_sliding_log_is_atomic_on_redis(settings):
    redis = PrivateRedis().start()
    try:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis.url}}
        with ThreadPoolExecutor(16) as pool:
            decisions = list(pool.map(lambda _: allow(Rule("throttle:drill:1", 50, 60)), range(200)))
        assert sum(d.allowed for d in decisions) == 50
        assert all(0 < d.wait_s <= 60 for d in decisions if not d.allowed)
        cache.close()
    finally:
        redis.stop()
