"""POST /api/v1/analyses/{id}/retry/: only a failed analysis runs again."""

import pytest

from tests.fixtures import error_code, make_done, make_failed

pytestmark = pytest.mark.django_db


def test_it_queues_a_failed_analysis_again(alice, user, active_model):
    analysis = make_failed(user)
    response = alice.post(f"/api/v1/analyses/{analysis.pk}/retry/")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    analysis.refresh_from_db()
    assert analysis.status == "queued" and analysis.error_code == ""


def test_it_refuses_to_retry_a_finished_analysis_with_409(alice, user):
    analysis = make_done(user)
    response = alice.post(f"/api/v1/analyses/{analysis.pk}/retry/")
    assert response.status_code == 409 and error_code(response) == "not_retryable"
    analysis.refresh_from_db()
    assert analysis.status == "done"


def test_it_answers_404_for_another_users_analysis(bob, user):
    analysis = make_failed(user)
    assert bob.post(f"/api/v1/analyses/{analysis.pk}/retry/").status_code == 404
    analysis.refresh_from_db()
    assert analysis.status == "failed"


def test_it_asks_anonymous_clients_to_authenticate(api_client, user):
    assert api_client.post(f"/api/v1/analyses/{make_failed(user).pk}/retry/").status_code == 401


def test_it_answers_get_with_405(alice, user):
    assert alice.get(f"/api/v1/analyses/{make_failed(user).pk}/retry/").status_code == 405


def test_a_failed_analysis_whose_video_was_purged_says_so(alice, user):
    analysis = make_failed(user)
    analysis.video.file.delete(save=True)  # what the retention purge leaves: the row, no file
    response = alice.post(f"/api/v1/analyses/{analysis.pk}/retry/")
    assert response.status_code == 409 and error_code(response) == "not_retryable"
    # Not "Only a failed analysis can be retried": it did fail; what stops it is the deleted video.
    message = response.json()["error"]["message"]
    assert "deleted after the retention period" in message and "Upload the video again" in message
