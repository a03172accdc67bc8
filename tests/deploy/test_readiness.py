"""/readyz reports database and broker separately and answers 503 when the broker is down;
/healthz stays a liveness check that a broker outage does not fail."""

import pytest

from tests.fixtures import use_broker
from tests.private_redis import PrivateRedis

pytestmark = pytest.mark.django_db


def test_it_is_ready_when_database_and_broker_answer(client, settings, worker_queue):
    redis = PrivateRedis().start()
    try:
        use_broker(settings, worker_queue, redis.url)
        response = client.get("/readyz")
    finally:
        redis.stop()
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_it_is_not_ready_when_the_broker_is_down_but_still_alive(client, settings, worker_queue):
    use_broker(settings, worker_queue, PrivateRedis().url)  # nothing listens there
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unavailable"}
    assert client.get("/healthz").status_code == 200
