"""Uploading a video again shows its earlier analysis, with a sentence; nothing new is stored."""

import pytest

from detector.models import Analysis, Video
from tests.web.helpers import upload_file

pytestmark = pytest.mark.django_db


def test_the_same_video_twice_shows_its_earlier_analysis(client, user, clips):
    client.force_login(user)
    first = client.post("/", {"video": upload_file(clips["face"]), "frames": 20})
    again = client.post("/", {"video": upload_file(clips["face"]), "frames": 20}, follow=True)
    assert again.redirect_chain[-1][0] == first.url
    assert "You uploaded this video before: here is its analysis." in again.content.decode()
    assert Video.objects.count() == 1 and Analysis.objects.count() == 1
