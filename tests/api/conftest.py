"""API fixtures: token-authenticated clients and a clean throttle cache per test."""

import pytest

from tests.fixtures import token_client


@pytest.fixture(autouse=True)
def _fresh_throttles(fresh_cache):
    """Throttle counters live in the cache: one test's requests must not limit the next."""


@pytest.fixture
def client_for(db):
    return token_client


@pytest.fixture
def alice(user):
    return token_client(user)


@pytest.fixture
def bob(other_user):
    return token_client(other_user)
