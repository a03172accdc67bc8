"""POST /api/v1/analyses/: store the upload, queue it, answer 202 (or 200 for a duplicate)."""

import pytest

from detector.models import Analysis, Video
from tests.fixtures import error_code

pytestmark = pytest.mark.django_db
URL = "/api/v1/analyses/"


def post(client, path, **options):
    with open(path, "rb") as handle:
        return client.post(URL, {"video": handle, **options}, format="multipart")


def test_it_accepts_a_video_and_queues_an_analysis(alice, user, clips, active_model):
    response = post(alice, clips["face"], frames=12)
    assert response.status_code == 202
    body = response.json()
    analysis = Analysis.objects.get(pk=body["id"])
    assert body["status"] == "queued" and body["duplicate"] is False
    assert body["url"].endswith(f"/api/v1/analyses/{analysis.pk}/")
    assert body["status_url"].endswith(f"/api/v1/analyses/{analysis.pk}/status/")
    assert body["result_page"].endswith(f"/analyses/{analysis.pk}/")
    assert analysis.video.owner == user and analysis.frames_requested == 12
    assert analysis.video.original_name == "face.mp4"


def test_it_parks_the_analysis_when_no_model_is_active(alice, clips):
    response = post(alice, clips["face"])
    assert response.status_code == 202 and response.json()["status"] == "waiting_model"
    assert Analysis.objects.get().frames_requested == 20


def test_it_returns_the_earlier_analysis_for_the_same_file(alice, clips):
    first = post(alice, clips["face"]).json()
    again = post(alice, clips["face"])
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["duplicate"] is True
    assert Video.objects.count() == 1 and Analysis.objects.count() == 1


def test_it_runs_again_on_the_same_stored_video_when_forced(alice, clips):
    first = post(alice, clips["face"]).json()
    again = post(alice, clips["face"], force="true")
    assert again.status_code == 202 and again.json()["id"] != first["id"]
    assert Video.objects.count() == 1 and Analysis.objects.count() == 2


def test_another_users_identical_file_is_not_a_duplicate(alice, bob, clips):
    post(alice, clips["face"])
    response = post(bob, clips["face"])
    assert response.status_code == 202 and response.json()["duplicate"] is False
    assert Video.objects.count() == 2


def test_it_refuses_too_few_frames_with_400_invalid(alice, clips):
    response = post(alice, clips["face"], frames=5)
    assert response.status_code == 400 and error_code(response) == "invalid"
    assert "frames" in response.json()["error"]["detail"]
    assert "frames:" in response.json()["error"]["message"]
    assert not Video.objects.exists()


def test_it_refuses_a_missing_video_with_400(alice):
    response = alice.post(URL, {"frames": 20}, format="multipart")
    assert response.status_code == 400 and "video" in response.json()["error"]["detail"]


def test_it_refuses_a_text_file_named_mp4_with_415(alice, clips):
    response = post(alice, clips["text"])
    assert response.status_code == 415 and error_code(response) == "unsupported_media_type"
    assert not Video.objects.exists()


def test_it_refuses_a_json_body_with_415(alice):
    response = alice.post(URL, {"frames": 20}, format="json")
    assert response.status_code == 415 and error_code(response) == "unsupported_media_type"


def test_it_refuses_a_too_large_file_with_413(alice, clips, settings):
    settings.DEEPTRACE_MAX_UPLOAD_MB = 0.001  # about 1 KB
    response = post(alice, clips["face"])
    assert response.status_code == 413 and error_code(response) == "file_too_large"
    assert "MB limit" in response.json()["error"]["message"]
    assert not Video.objects.exists()


def test_it_refuses_a_truncated_video_with_a_400(alice, clips):
    response = post(alice, clips["truncated"])
    assert response.status_code == 400 and error_code(response) == "truncated_video"
    assert "incomplete" in response.json()["error"]["message"] and not Video.objects.exists()


def test_it_refuses_an_empty_file_with_400_invalid_naming_the_video(alice, tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    response = post(alice, empty)
    assert response.status_code == 400 and error_code(response) == "invalid"  # the Errors table of docs/api.md says so
    assert "video" in response.json()["error"]["detail"] and not Video.objects.exists()


def test_it_asks_anonymous_clients_to_authenticate(api_client, clips):
    response = post(api_client, clips["face"])
    assert response.status_code == 401 and error_code(response) == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_it_answers_put_on_the_collection_with_405(alice):
    response = alice.put(URL, {}, format="multipart")
    assert response.status_code == 405 and error_code(response) == "method_not_allowed"
