"""GET /api/v1/analyses/{id}/: status, verdict, scores, evidence and the staff review."""

import pytest

from detector.models import Review
from tests.fixtures import error_code, make_done, make_failed, make_model

pytestmark = pytest.mark.django_db


def url(analysis):
    return f"/api/v1/analyses/{analysis.pk}/"


def test_it_shows_a_finished_analysis_with_its_evidence(alice, user):
    analysis = make_done(user, model_version=make_model(name="v1"))
    body = alice.get(url(analysis)).json()
    assert body["status"] == "done" and body["verdict"] == "fake" and body["progress"] == 100
    assert body["confidence"] == pytest.approx(0.9) and body["fake_probability"] == pytest.approx(0.9)
    assert body["frames_analysed"] == 3 and body["faces_found"] == 3 and body["processing_seconds"] == 1.5
    assert body["model_version"] == "v1" and body["error"] is None and body["review"] is None
    assert body["tracks"] == [{"track": 0, "fake_probability": 0.9, "frames": 3}]
    assert [f["frame_index"] for f in body["frames"]] == [0, 5, 10]
    frame = body["frames"][0]
    assert frame["box"] == [10, 10, 60, 60] and frame["timestamp_s"] == 0.0
    assert frame["crop_url"].startswith("http://testserver/api/v1/analyses/")
    assert alice.get(frame["crop_url"]).status_code == 200


def test_it_shows_why_an_analysis_failed(alice, user):
    body = alice.get(url(make_failed(user))).json()
    assert body["status"] == "failed"
    assert body["error"] == {"code": "no_video_stream", "message": "The file has no video stream."}


def test_it_shows_the_latest_staff_decision(alice, user, staff_user):
    analysis = make_done(user)
    Review.objects.create(analysis=analysis, reviewer=staff_user, decision="confirmed_fake")
    Review.objects.create(analysis=analysis, reviewer=staff_user, decision="overturned_real", note="internal")
    review = alice.get(url(analysis)).json()["review"]
    assert review["decision"] == "overturned_real" and review["label"] == "real"
    assert review["decision_label"] == "Judged real" and review["source"] == "reviewed by staff"
    assert "note" not in review  # staff notes stay in the admin


def test_it_answers_404_for_another_users_analysis(bob, user):
    response = bob.get(url(make_done(user)))
    assert response.status_code == 404 and error_code(response) == "not_found"


def test_it_answers_404_for_an_unknown_id(alice):
    response = alice.get("/api/v1/analyses/999999/")
    assert response.status_code == 404 and error_code(response) == "not_found"


def test_it_asks_anonymous_clients_to_authenticate(api_client, user):
    response = api_client.get(url(make_done(user)))
    assert response.status_code == 401 and error_code(response) == "not_authenticated"


def test_it_answers_put_with_405(alice, user):
    response = alice.put(url(make_done(user)), {})
    assert response.status_code == 405 and error_code(response) == "method_not_allowed"


def test_it_names_the_deciding_model_and_what_it_is_worth(alice, user):
    card = {"evaluation": {"auc": 0.83, "auc_sd": 0.05, "protocol": "5-fold group cross-validation",
                           "data": "ffpp-sample", "videos": 157}, "provenance": {"trained": True}}
    analysis = make_done(user, model_version=make_model(name="lite0-v1", card=card))
    model = alice.get(f"/api/v1/analyses/{analysis.pk}/").json()["model"]
    assert model["name"] == "lite0-v1" and model["trained"] is True
    assert model["quality"]["auc"] == 0.83 and model["quality"]["auc_sd"] == 0.05
