"""Heatmaps are stored next to the crops and served with the crops' owner rules, on the site and the API."""

from pathlib import Path

import pytest

from detector.models import FrameResult
from tests.fixtures import token_client
from tests.heatmaps.helpers import HEATMAP, analysis_with_heatmaps, heatmap_frames

pytestmark = pytest.mark.django_db


def test_the_worker_stores_a_heatmap_beside_the_crop_of_the_frames_that_have_one(user):
    analysis = analysis_with_heatmaps(user)
    frames = list(analysis.frames.all())
    assert [bool(f.heatmap) for f in frames] == [False, True, True]
    assert Path(frames[2].heatmap.path).parent == Path(frames[2].crop.path).parent
    assert Path(frames[2].heatmap.path).read_bytes() == HEATMAP


def test_the_owner_and_staff_get_the_heatmap_and_another_user_gets_404(client, user, other_user, staff_user):
    frame = heatmap_frames(analysis_with_heatmaps(user))[0]
    url = f"/media/heatmaps/{frame.pk}.jpg"
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == HEATMAP
    client.force_login(staff_user)
    assert client.get(url).status_code == 200
    client.force_login(other_user)
    assert client.get(url).status_code == 404


def test_a_frame_without_a_heatmap_is_404_and_anonymous_visitors_go_to_log_in(client, user):
    analysis = analysis_with_heatmaps(user)
    plain = analysis.frames.exclude(pk__in=[f.pk for f in heatmap_frames(analysis)]).first()
    assert client.get(f"/media/heatmaps/{heatmap_frames(analysis)[0].pk}.jpg").status_code == 302
    client.force_login(user)
    assert client.get(f"/media/heatmaps/{plain.pk}.jpg").status_code == 404
    assert client.post(f"/media/heatmaps/{heatmap_frames(analysis)[0].pk}.jpg").status_code == 405


def test_the_api_gives_a_heatmap_url_per_frame_and_serves_it_to_the_owner_only(user, other_user):
    analysis = analysis_with_heatmaps(user)
    frames = token_client(user).get(f"/api/v1/analyses/{analysis.pk}/").json()["frames"]
    assert frames[0]["heatmap_url"] is None
    url = frames[2]["heatmap_url"]
    assert url.endswith(f"/api/v1/analyses/{analysis.pk}/frames/{frames[2]['id']}/heatmap.jpg")
    response = token_client(user).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == HEATMAP
    assert token_client(other_user).get(url).status_code == 404
    no_map = f"/api/v1/analyses/{analysis.pk}/frames/{frames[0]['id']}/heatmap.jpg"
    assert token_client(user).get(no_map).status_code == 404
    assert FrameResult.objects.filter(analysis=analysis).exclude(heatmap="").count() == 2
