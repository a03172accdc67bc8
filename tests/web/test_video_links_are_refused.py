"""Links that are not fetched, or not kept, each with a sentence: a loopback, private or link-local host
(also reached by a redirect), a file over the upload limit (the download stops reading), a web page, a
file that is not a video. The worker's step runs in-process here (detector.jobs.run), on a local server."""

import ipaddress

import pytest

from detector import jobs, link_targets, link_videos
from detector.models import Analysis
from tests.fixtures import token_client
from tests.link_server import Route, serving

pytestmark = pytest.mark.django_db(transaction=True)
MB = 1024 * 1024


@pytest.mark.parametrize("url, address", [("http://127.0.0.1:8000/a.mp4", "127.0.0.1"),
                                          ("http://10.1.2.3/a.mp4", "10.1.2.3"),
                                          ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
                                          ("http://[::1]/a.mp4", "::1")])
def test_the_page_and_the_api_refuse_a_link_to_a_non_public_address(client, user, url, address):
    client.force_login(user)
    page = client.post("/", {"video_url": url, "frames": 20})
    sentence = f"resolves to {address}, a loopback, private, link-local or reserved address; videos are only " \
               "fetched from public addresses."
    assert page.status_code == 400 and sentence in page.content.decode()
    response = token_client(user).post("/api/v1/analyses/", {"video_url": url})
    assert response.status_code == 400 and sentence in response.json()["error"]["message"]
    assert list(response.json()["error"]["detail"]) == ["video_url"]
    assert not Analysis.objects.exists()


def run_link(user, url):
    analysis, _ = link_videos.submit_link(user, url, 10)
    jobs.run(analysis.pk)
    return Analysis.objects.select_related("video").get(pk=analysis.pk)


def test_a_redirect_to_a_private_address_is_refused_at_that_hop(user, active_model, monkeypatch):
    # The test server must count as public for the first hop: only 127.0.0.1 does here.
    monkeypatch.setattr(link_targets, "is_public", lambda address: address == ipaddress.ip_address("127.0.0.1"))
    with serving({"/go": Route(status=302, headers={"Location": "http://10.0.0.7/inside.mp4"})}) as server:
        analysis = run_link(user, f"{server.base}/go")
    assert analysis.status == "failed" and analysis.error_code == "link_refused"
    assert "resolves to 10.0.0.7, a loopback, private, link-local or reserved address" in analysis.error_message
    assert not analysis.video.file


def test_the_connection_goes_to_the_address_that_was_checked(user, active_model, settings, monkeypatch):
    settings.DEEPTRACE_LINK_ALLOW_PRIVATE = True
    monkeypatch.setattr(link_targets, "resolve", lambda host, port: [ipaddress.ip_address("127.0.0.1")])
    with serving({"/page": Route(body=b"<html>hi</html>", content_type="text/html")}) as server:
        port = server.server_address[1]
        run_link(user, f"http://video.test:{port}/page")
    assert server.hosts == [f"video.test:{port}"]  # the checked address, asked for the host by name


def test_a_file_over_the_limit_stops_downloading_and_fails_with_a_sentence(user, active_model, settings):
    settings.DEEPTRACE_LINK_ALLOW_PRIVATE = True
    settings.DEEPTRACE_MAX_UPLOAD_MB = 1
    big = Route(body=b"\0" * (64 * 1024), repeat=320, length=False)  # 20 MB, no length announced
    with serving({"/big.mp4": big, "/declared.mp4": Route(body=b"\0" * (2 * MB))}) as server:
        streamed = run_link(user, f"{server.base}/big.mp4")
        declared = run_link(user, f"{server.base}/declared.mp4")
    sentence = "The video at the link is larger than the 1 MB limit; it was not downloaded."
    assert (streamed.status, streamed.error_code, streamed.error_message) == ("failed", "file_too_large", sentence)
    assert (declared.status, declared.error_message) == ("failed", sentence)
    assert server.sent["/big.mp4"] < 10 * MB  # it stopped reading, far from the whole 20 MB
    assert not streamed.video.file and not declared.video.file


def test_a_web_page_and_a_file_that_is_not_a_video_fail_with_a_sentence(user, active_model, settings, clips):
    settings.DEEPTRACE_LINK_ALLOW_PRIVATE = True
    routes = {"/watch": Route(body=b"<!doctype html><title>A video site</title>", content_type="text/html; charset=utf-8"),
              "/notes.mp4": Route(body=clips["text"].read_bytes(), content_type="application/octet-stream")}
    with serving(routes) as server:
        page = run_link(user, f"{server.base}/watch")
        notes = run_link(user, f"{server.base}/notes.mp4")
    assert page.status == "failed" and page.error_code == "link_not_a_video"
    assert page.error_message.startswith("The link leads to a web page, not a video file.")
    assert notes.status == "failed" and notes.error_code == "unsupported_media_type"
    assert notes.error_message == "This file is not a video we can read. Upload an MP4, MOV, WebM, AVI or MKV file."
