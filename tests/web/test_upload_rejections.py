"""Each bad upload is refused with a clear message and the right status, and stores nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from detector.models import Analysis, Video
from tests.web.helpers import upload_file

pytestmark = pytest.mark.django_db


def post(client, user, video, frames=20, **headers):
    client.force_login(user)
    return client.post("/", {"video": video, "frames": frames}, **headers)


def assert_nothing_stored():
    assert not Video.objects.exists() and not Analysis.objects.exists()


def test_a_text_file_named_mp4_is_refused_as_unsupported(client, user, clips):
    response = post(client, user, upload_file(clips["text"]))
    assert response.status_code == 415
    assert "This file is not a video we can read" in response.content.decode()
    assert_nothing_stored()


def test_an_empty_file_is_refused(client, user):
    response = post(client, user, SimpleUploadedFile("empty.mp4", b""))
    assert response.status_code == 400 and "The file is empty." in response.content.decode()
    assert_nothing_stored()


def test_a_file_over_the_size_limit_is_refused(client, user, clips, settings):
    settings.DEEPTRACE_MAX_UPLOAD_MB = 0.01
    response = post(client, user, upload_file(clips["face"]))
    assert response.status_code == 413 and "larger than the 0.01 MB limit" in response.content.decode()
    assert_nothing_stored()


def test_a_truncated_video_is_refused(client, user, clips):
    response = post(client, user, upload_file(clips["truncated"]))
    assert response.status_code == 400 and "incomplete" in response.content.decode()
    assert_nothing_stored()


@pytest.mark.parametrize("frames", [9, 101, "lots"])
def test_frames_outside_10_to_100_are_refused(client, user, clips, frames):
    response = post(client, user, upload_file(clips["face"]), frames=frames)
    assert response.status_code == 400
    assert "Choose between 10 and 100 frames." in response.content.decode() or "whole number" in response.content.decode()
    assert_nothing_stored()


def test_the_javascript_upload_gets_the_message_as_json(client, user, clips):
    response = post(client, user, upload_file(clips["text"]), HTTP_ACCEPT="application/json")
    assert response.status_code == 415
    assert response.json()["message"].startswith("This file is not a video we can read")
    assert_nothing_stored()
