"""A burst straddling a window's edge gets no more than the rate: the window slides. Fixed windows (a
counter per second, per minute) let the rate through at the end of one and again at the start of the
next: 240 of a 120/minute limit in 4.8 s."""

import time

import pytest
from django.core.cache import cache

from deepfake_site.ratelimit import Rule, allow
from tests.private_redis import PrivateRedis

pytestmark = pytest.mark.django_db
RATE = 5  # per second: a short window, so the test can cross an edge of it


def wait_until_fraction(fraction):
    """Sleep until the wall clock is `fraction` of the way into a second."""
    time.sleep((fraction - time.time() % 1) % 1)


def straddling_burst(send):
    """RATE requests late in one second, RATE early in the next; their codes, or None when the host
    was too slow to keep the whole burst inside one second."""
    wait_until_fraction(0.55)
    started = time.time()
    codes = [send() for _ in range(RATE)]
    wait_until_fraction(0.02)
    codes += [send() for _ in range(RATE)]
    return codes if time.time() - started < 0.95 else None


def burst_within_a_second(send):
    for _ in range(5):
        cache.clear()
        codes = straddling_burst(send)
        if codes is not None:
            return codes
    pytest.skip("the host is too loaded to send 10 requests within one second")


def test_a_burst_across_a_second_boundary_gets_only_the_rate_through_the_api(alice, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"user": f"{RATE}/second", "anon": "100/minute"}}
    codes = burst_within_a_second(lambda: alice.get("/api/v1/analyses/").status_code)
    assert codes == [200] * RATE + [429] * RATE


def test_a_rate_may_name_a_window_of_several_seconds(alice, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"user": "2/3s", "anon": "100/minute"}}
    assert [alice.get("/api/v1/analyses/").status_code for _ in range(3)] == [200, 200, 429]
    response = alice.get("/api/v1/analyses/")
    assert 1 <= response.json()["error"]["detail"]["wait_seconds"] <= 3


def test_on_redis_the_window_slides_on_redis_own_clock(settings):
    redis = PrivateRedis().start()
    try:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": redis.url}}
        codes = burst_within_a_second(lambda: allow(Rule("rl:edge", RATE, 1)).allowed)
        assert codes == [True] * RATE + [False] * RATE
        time.sleep(1.05)  # the first five have left the window
        assert allow(Rule("rl:edge", RATE, 1)).allowed
        cache.close()
    finally:
        redis.stop()
