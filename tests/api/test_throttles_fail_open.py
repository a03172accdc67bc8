"""A cache (Redis) outage does not turn API requests into 500s: the rate limit is skipped and logged."""

import pytest

from tests.private_redis import PrivateRedis

pytestmark = pytest.mark.django_db


def test_api_reads_answer_while_the_throttle_cache_is_down(alice, settings, caplog):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": PrivateRedis().url}}  # nothing listens there
    assert [alice.get("/api/v1/analyses/").status_code for _ in range(3)] == [200, 200, 200]
    assert "not enforced" in caplog.text
