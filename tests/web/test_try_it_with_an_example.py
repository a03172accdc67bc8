"""A signed-in user analyses the generated example clip in one click, through the upload's own path:
the clip is made at first use and kept in media storage; a second click opens the first analysis."""

import pytest
from django.core.files.storage import default_storage

from detector import example_clip
from detector.models import Analysis, Video

pytestmark = pytest.mark.django_db


def test_one_click_queues_the_example_and_a_second_click_shows_the_same_analysis(client, user, active_model):
    client.force_login(user)
    assert 'action="/example/"' in client.get("/").content.decode()
    first = client.post("/example/")
    analysis = Analysis.objects.get()
    assert first.status_code == 302 and first.url == f"/analyses/{analysis.pk}/"
    video = Video.objects.get()
    assert (video.owner, video.original_name, video.content_type) == (user, "example-astronaut.webm", "webm")
    assert video.duration_s == pytest.approx(3.0) and (video.width, video.height) == (480, 360)
    assert default_storage.exists(example_clip.NAME) and analysis.status == "queued"

    second = client.post("/example/", follow=True)
    assert second.redirect_chain[0][0] == f"/analyses/{analysis.pk}/"
    assert "You analysed the example before: here is its analysis." in second.content.decode()
    assert Analysis.objects.count() == 1 and Video.objects.count() == 1


def test_the_example_needs_a_signed_in_user_and_a_post(client, user):
    assert client.post("/example/").status_code == 302  # to the log-in page
    client.force_login(user)
    assert client.get("/example/").status_code == 405
