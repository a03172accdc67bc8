"""A video given by its link is downloaded by the real worker (stage "downloading") and analysed, through
the page and through the API; a link that fails can be retried. The test server is on loopback, so the
worker runs with DEEPTRACE_LINK_ALLOW_PRIVATE (tests/web/test_video_links_are_refused.py: without it)."""


import pytest

from detector.models import Analysis, Video
from tests.fixtures import finished_analysis, token_client, wait_for
from tests.link_server import Route, serving

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_link_pasted_on_the_page_is_downloaded_and_analysed(client, user, active_model, link_worker, clips):
    with serving({"/clips/interview.mp4": Route(body=clips["face"].read_bytes())}) as server:
        client.force_login(user)
        response = client.post("/", {"video_url": f"{server.base}/clips/interview.mp4", "frames": 10})
        assert response.status_code == 302
        analysis = wait_for(lambda: finished_analysis(Analysis.objects.get().pk), timeout=180)
    assert analysis.status == "done", analysis.error_message
    video = analysis.video
    assert video.original_name == "interview.mp4" and video.source_url == f"{server.base}/clips/interview.mp4"
    assert video.file and video.size_bytes == clips["face"].stat().st_size and len(video.sha256) == 64
    assert video.content_type == "mp4" and analysis.frames.count() > 0
    page = client.get(response.url).content.decode()
    assert "interview.mp4" in page and "The analysis failed" not in page


def test_a_link_sent_to_the_api_is_analysed_and_a_failed_one_can_be_retried(user, active_model, link_worker, clips):
    api = token_client(user)
    routes = {}
    with serving(routes) as server:
        url = f"{server.base}/v.mp4"
        response = api.post("/api/v1/analyses/", {"video_url": url, "frames": 10})
        assert response.status_code == 202, response.json()
        analysis_id = response.json()["id"]
        failed = wait_for(lambda: finished_analysis(analysis_id), timeout=120)
        assert failed.status == "failed" and failed.error_code == "link_failed"
        assert failed.error_message == "The link could not be downloaded: 127.0.0.1 answered HTTP 404."
        assert not failed.video.file and failed.video.awaiting_download

        routes["/v.mp4"] = Route(body=clips["face"].read_bytes())  # the file is there now
        assert api.post(f"/api/v1/analyses/{analysis_id}/retry/").status_code == 202
        done = wait_for(lambda: finished_analysis(analysis_id), timeout=180)
    assert done.status == "done", done.error_message
    detail = api.get(f"/api/v1/analyses/{analysis_id}/").json()
    assert detail["video"]["name"] == "v.mp4" and detail["video"]["size_bytes"] == clips["face"].stat().st_size
    assert Video.objects.filter(owner=user).count() == 1
    # The same link again is the same analysis.
    again = api.post("/api/v1/analyses/", {"video_url": url})
    assert again.status_code == 200 and again.json()["id"] == analysis_id and again.json()["duplicate"]
