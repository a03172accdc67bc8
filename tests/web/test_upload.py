import pytest

from detector.models import Analysis, Video
from tests.web.helpers import upload_file

pytestmark = pytest.mark.django_db


def test_the_upload_page_shows_the_form_with_the_default_frames(client, user, settings):
    settings.DEEPTRACE_DEFAULT_FRAMES = 30
    client.force_login(user)
    page = client.get("/").content.decode()
    assert 'type="file" name="video"' in page and 'name="frames" id="id_frames" value="30"' in page
    assert "No detection model is active" in page


def test_an_upload_without_an_active_model_waits_for_one(client, user, clips):
    client.force_login(user)
    response = client.post("/", {"video": upload_file(clips["face"], "My clip.mp4"), "frames": 12})
    analysis = Analysis.objects.get()
    assert response.status_code == 302 and response.url == f"/analyses/{analysis.pk}/"
    assert (analysis.status, analysis.frames_requested) == ("waiting_model", 12)
    video = Video.objects.get()
    assert video.owner == user and video.original_name == "My clip.mp4"
    assert "My clip" not in video.file.name  # stored under a generated name
    assert "Waiting for a model" in client.get(response.url).content.decode()


def test_an_upload_with_an_active_model_is_queued(client, user, clips, active_model):
    client.force_login(user)
    response = client.post("/", {"video": upload_file(clips["face"]), "frames": 10})
    analysis = Analysis.objects.get()
    assert response.status_code == 302 and response.url == f"/analyses/{analysis.pk}/"
    assert analysis.status == "queued" and analysis.video.width == 320


def test_the_javascript_upload_gets_json_with_the_result_url(client, user, clips):
    client.force_login(user)
    response = client.post("/", {"video": upload_file(clips["face"]), "frames": 10}, HTTP_ACCEPT="application/json")
    analysis = Analysis.objects.get()
    assert response.status_code == 201
    assert response.json() == {"id": analysis.pk, "url": f"/analyses/{analysis.pk}/", "duplicate": False}


def test_anonymous_visitors_see_the_landing_page_and_an_upload_sends_them_to_log_in(client):
    assert "Sign up" in client.get("/").content.decode()
    response = client.post("/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=/")


def test_a_put_is_not_allowed(client, user):
    client.force_login(user)
    assert client.put("/").status_code == 405
