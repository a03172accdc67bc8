"""With media in S3, a video given by its link is downloaded by the real worker straight into the bucket,
and the generated example clip is made there and analysed from there: no local media folder is used."""

import pytest

from detector import example_clip
from detector.models import Analysis
from tests.fixtures import finished_analysis, token_client, wait_for
from tests.link_server import Route, serving

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def link_worker(s3_media, link_worker):
    """The shared link worker, started once the bucket is the media storage."""
    return link_worker


def test_a_link_and_the_example_are_stored_in_the_bucket_and_analysed(client, user, active_model, link_worker,
                                                                       clips, s3_media, s3_server):
    with serving({"/v.mp4": Route(body=clips["face"].read_bytes())}) as server:
        response = token_client(user).post("/api/v1/analyses/", {"video_url": f"{server.base}/v.mp4", "frames": 10})
        assert response.status_code == 202, response.json()
        linked = wait_for(lambda: finished_analysis(response.json()["id"]), timeout=180)
    assert linked.status == "done", linked.error_message
    keys = s3_server.keys(s3_media)
    assert linked.video.file.name in keys and all(f.crop.name in keys for f in linked.frames.all())

    client.force_login(user)
    assert client.post("/example/").status_code == 302
    example = wait_for(lambda: finished_analysis(Analysis.objects.exclude(pk=linked.pk).get().pk), timeout=180)
    assert example.status == "done", example.error_message
    assert {example_clip.NAME, example.video.file.name} <= set(s3_server.keys(s3_media))
