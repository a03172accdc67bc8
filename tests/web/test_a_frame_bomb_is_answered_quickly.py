"""A "frame bomb" (a headerless WebM, no duration, half a million 16x16 frames) is answered in about a
second through the page and the API, the site answers other requests meanwhile, and the worker then
ends the analysis with a sentence.

Before the upload check was bounded it counted every frame inside the request: this 11 MB file took
13 s there (4.32 million frames in 100 MB took past gunicorn's 120 s timeout). The check now counts at
most DEEPTRACE_PROBE_MAX_FRAMES frames for at most DEEPTRACE_PROBE_MAX_S seconds and leaves the length
unknown; the worker counts (up to what DEEPTRACE_MAX_DURATION_S allows at 240 frames a second) and
refuses it as too long.
"""

import threading
import time
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from accounts.models import ApiToken
from detector import jobs
from detector.models import Analysis
from tests.fixtures import token_client
from tests.web.corpus import ffmpeg_can, make_frame_bomb

pytestmark = pytest.mark.skipif(not ffmpeg_can("libvpx"), reason="needs the ffmpeg program with libvpx")

FRAMES = 500_000  # 1 ms apart: 500 s, under the 600 s limit, so only counting them all could tell
ANSWER_WITHIN_S = 3.0


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """10 s of 16x16 frames at 1000 fps, encoded once, copied 50 times into a live (headerless) WebM:
    what MediaRecorder writes, without a duration or a frame count. ~1.5 s to make."""
    return make_frame_bomb(tmp_path_factory.mktemp("bomb"), FRAMES)


def as_upload(bomb):
    return SimpleUploadedFile("recorded.webm", bomb.read_bytes(), content_type="video/webm")


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.mark.django_db
def test_the_upload_page_answers_at_once_and_the_worker_refuses_it_with_a_sentence(client, user, bomb,
                                                                                    active_model, settings,
                                                                                    tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(user)
    response, took = timed(lambda: client.post("/", {"video": as_upload(bomb), "frames": 10}))
    assert response.status_code == 302, response.content.decode()[:500]
    assert took < ANSWER_WITHIN_S, f"the upload check took {took:.1f} s"
    analysis = Analysis.objects.get()
    assert analysis.video.duration_s is None  # not counted in the request

    started = time.monotonic()
    assert jobs.run(analysis.pk) is jobs.Outcome.FINISHED
    analysis.refresh_from_db()
    assert (analysis.status, analysis.error_code) == ("failed", "video_too_long")
    assert analysis.error_message.startswith("The video has more than 144000 frames")
    assert "videos up to 600 seconds can be analysed" in analysis.error_message
    assert time.monotonic() - started < 60  # the worker's count stops at the limit, too


@pytest.mark.django_db
def test_the_api_answers_at_once(user, bomb, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    api = token_client(user)
    response, took = timed(lambda: api.post("/api/v1/analyses/", {"video": as_upload(bomb), "frames": 10},
                                            format="multipart"))
    assert response.status_code == 202, response.content
    assert took < ANSWER_WITHIN_S, f"the upload check took {took:.1f} s"


@pytest.mark.django_db(transaction=True)
def test_the_live_site_answers_health_checks_while_the_bomb_is_checked(live_server, user, bomb, settings,
                                                                       tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _, token = ApiToken.issue(user, "bomb")
    body = encode_multipart(BOUNDARY, {"video": as_upload(bomb), "frames": 10})
    upload = urllib.request.Request(f"{live_server.url}/api/v1/analyses/", data=body, method="POST",
                                    headers={"Content-Type": MULTIPART_CONTENT, "Authorization": f"Token {token}"})
    answer = {}

    def send():
        started = time.monotonic()
        with urllib.request.urlopen(upload, timeout=60) as response:
            answer.update(status=response.status, took=time.monotonic() - started)

    sender = threading.Thread(target=send)
    sender.start()
    probes = []
    while sender.is_alive() and len(probes) < 200:
        started = time.monotonic()
        with urllib.request.urlopen(f"{live_server.url}/healthz", timeout=5) as health:
            probes.append((health.status, time.monotonic() - started))
        time.sleep(0.05)
    sender.join(timeout=60)
    assert answer.get("status") == 202
    assert answer["took"] < ANSWER_WITHIN_S, f"the upload took {answer['took']:.1f} s"
    assert probes and all(status == 200 and took < 1.0 for status, took in probes), probes
