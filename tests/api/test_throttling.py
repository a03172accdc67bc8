"""429 with code "throttled" once a client passes its rate (per user, and per address when anonymous)."""

import pytest

from tests.api.conftest import error_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_rates(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "3/minute", "anon": "2/minute"}}


def test_it_throttles_a_user_past_the_user_rate(small_rates, alice, bob):
    assert [alice.get("/api/v1/analyses/").status_code for _ in range(3)] == [200, 200, 200]
    response = alice.get("/api/v1/analyses/")
    assert response.status_code == 429 and error_code(response) == "throttled"
    assert 0 < response.json()["error"]["detail"]["wait_seconds"] <= 60 and "Retry-After" in response
    assert bob.get("/api/v1/analyses/").status_code == 200  # counted per user


def test_it_throttles_anonymous_clients_past_the_anon_rate(small_rates, api_client):
    codes = [api_client.get("/api/v1/models/active/").status_code for _ in range(3)]
    assert codes == [404, 404, 429]
