"""429 with code "throttled" once a client passes its rate (per user, and per address when anonymous)."""

import pytest

from tests.fixtures import error_code

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


def test_a_forged_x_forwarded_for_does_not_give_an_anonymous_client_a_fresh_count(small_rates, api_client):
    # DRF's own rule keyed on the whole header: a new made-up address per request was never limited.
    codes = [api_client.get("/api/v1/models/active/", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
             for i in range(3)]
    assert codes == [404, 404, 429]


def test_behind_nginx_anonymous_clients_are_told_apart_by_the_address_nginx_saw(small_rates, api_client, settings):
    settings.DEEPTRACE_PROXY_COUNT = 1

    def get(client_ip, forged):
        return api_client.get("/api/v1/models/active/", REMOTE_ADDR="10.0.0.2",
                              HTTP_X_FORWARDED_FOR=f"{forged}, {client_ip}").status_code

    assert [get("203.0.113.7", f"192.0.2.{i}") for i in range(3)] == [404, 404, 429]
    assert get("203.0.113.8", "192.0.2.1") == 404  # another client behind the same proxy has its own count


def test_an_ipv6_client_cannot_take_a_fresh_count_from_its_own_64(small_rates, api_client):
    codes = [api_client.get("/api/v1/models/active/", REMOTE_ADDR=f"2001:db8:1:2::{i:x}").status_code
             for i in range(3)]
    assert codes == [404, 404, 429]
    assert api_client.get("/api/v1/models/active/", REMOTE_ADDR="2001:db8:1:3::1").status_code == 404  # another /64
