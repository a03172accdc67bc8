"""The API refuses an upload or a retry past the user's cap on analyses waiting or running: 429 with
code too_many_active, in the API's one error shape, and nothing is stored."""

import pytest

from detector.models import Analysis, Video
from tests.fixtures import error_code, make_analysis, make_failed
from tests.web.helpers import upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_the_cap(user, settings):
    settings.DEEPTRACE_MAX_ACTIVE_ANALYSES_PER_USER = 1
    return make_analysis(user, status=Analysis.Status.WAITING_MODEL)


def test_an_upload_past_the_cap_is_429_too_many_active(alice, clips, at_the_cap):
    videos = Video.objects.count()
    response = alice.post("/api/v1/analyses/", {"video": upload_file(clips["face"])}, format="multipart")
    assert response.status_code == 429 and error_code(response) == "too_many_active"
    assert response.json()["error"]["message"].startswith("You already have 1 analysis waiting or running.")
    assert Video.objects.count() == videos and Analysis.objects.count() == 1


def test_another_users_upload_is_accepted(bob, clips, at_the_cap):
    response = bob.post("/api/v1/analyses/", {"video": upload_file(clips["face"])}, format="multipart")
    assert response.status_code == 202


def test_a_retry_past_the_cap_is_429_too_many_active(alice, user, at_the_cap):
    failed = make_failed(user)
    response = alice.post(f"/api/v1/analyses/{failed.pk}/retry/")
    assert response.status_code == 429 and error_code(response) == "too_many_active"
    failed.refresh_from_db()
    assert failed.status == "failed"


def test_the_schema_lists_the_cap_for_uploads_and_retries(client):
    schema = client.get("/api/schema/").content.decode()
    assert schema.count("too_many_active") >= 2
