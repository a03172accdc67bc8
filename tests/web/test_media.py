"""Crops and videos are served through views, to their owner and staff only."""

import pytest

from tests.web.helpers import make_analysis, make_done_analysis

pytestmark = pytest.mark.django_db


def test_the_owner_gets_a_face_crop(client, user):
    frame = make_done_analysis(user).frames.first()
    client.force_login(user)
    response = client.get(f"/media/crops/{frame.pk}.jpg")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_the_owner_gets_the_video_and_can_ask_for_a_range(client, user):
    video = make_analysis(user).video
    client.force_login(user)
    whole = client.get(f"/media/videos/{video.pk}")
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == b"not really a video"
    part = client.get(f"/media/videos/{video.pk}", HTTP_RANGE="bytes=4-9")
    assert part.status_code == 206 and part.content == b"really" and part["Content-Range"] == "bytes 4-9/18"
    assert client.get(f"/media/videos/{video.pk}", HTTP_RANGE="bytes=50-").status_code == 416


def test_staff_get_anyones_crop(client, user, staff_user):
    frame = make_done_analysis(user).frames.first()
    client.force_login(staff_user)
    assert client.get(f"/media/crops/{frame.pk}.jpg").status_code == 200


def test_another_user_gets_404_for_crops_and_videos(client, user, other_user):
    frame = make_done_analysis(user).frames.first()
    client.force_login(other_user)
    assert client.get(f"/media/crops/{frame.pk}.jpg").status_code == 404
    assert client.get(f"/media/videos/{frame.analysis.video_id}").status_code == 404


def test_anonymous_visitors_are_redirected(client, user):
    frame = make_done_analysis(user).frames.first()
    assert client.get(f"/media/crops/{frame.pk}.jpg").status_code == 302


def test_a_post_is_not_allowed(client, user):
    frame = make_done_analysis(user).frames.first()
    client.force_login(user)
    assert client.post(f"/media/crops/{frame.pk}.jpg").status_code == 405


def test_media_root_is_not_routed(client, user):
    frame = make_done_analysis(user).frames.first()
    client.force_login(user)
    assert client.get(f"/media/{frame.crop.name}").status_code == 404
