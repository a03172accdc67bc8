"""API fixtures: token-authenticated clients and a clean throttle cache per test."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import ApiToken


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()  # throttle counters live in the cache; one test's requests must not limit the next
    yield
    cache.clear()


def token_client(user):
    _, raw = ApiToken.issue(user, "tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def client_for(db):
    return token_client


@pytest.fixture
def alice(user):
    return token_client(user)


@pytest.fixture
def bob(other_user):
    return token_client(other_user)


def error_code(response):
    return response.json()["error"]["code"]
