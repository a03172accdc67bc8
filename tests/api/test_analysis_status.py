"""GET /api/v1/analyses/{id}/status/: the light document clients poll."""

import pytest

from tests.fixtures import make_done

pytestmark = pytest.mark.django_db


def test_it_shows_progress_and_whether_it_finished(alice, user):
    analysis = make_done(user)
    body = alice.get(f"/api/v1/analyses/{analysis.pk}/status/").json()
    assert body == {"id": analysis.pk, "status": "done", "stage": "", "progress": 100, "finished": True,
                    "verdict": "fake"}


def test_it_answers_404_for_another_users_analysis(bob, user):
    assert bob.get(f"/api/v1/analyses/{make_done(user).pk}/status/").status_code == 404


def test_it_asks_anonymous_clients_to_authenticate(api_client, user):
    assert api_client.get(f"/api/v1/analyses/{make_done(user).pk}/status/").status_code == 401


def test_it_answers_post_with_405(alice, user):
    assert alice.post(f"/api/v1/analyses/{make_done(user).pk}/status/").status_code == 405
