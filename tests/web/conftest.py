import pytest
from django.core.cache import cache


@pytest.fixture
def fresh_cache():
    """Counters (log-in failures, rate limits) that start at zero and are gone after the test."""
    cache.clear()
    yield
    cache.clear()
