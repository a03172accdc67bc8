"""Frames larger than DEEPTRACE_MAX_VIDEO_SIDE (4096 px) are refused from the header alone: at upload
with a sentence, and again in the worker (a file that got in under a higher limit) as a failed analysis."""

import html
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from detector import jobs
from detector.models import Analysis, Video

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg program")]
SENTENCE = "The video's frames are 8192x8192 pixels; videos up to 4096 pixels on their longer side can be analysed."


@pytest.fixture(scope="module")
def huge(tmp_path_factory):
    path = tmp_path_factory.mktemp("huge") / "huge.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=gray:s=8192x8192:r=10", "-frames:v", "2",
                    "-c:v", "libx264", "-preset", "ultrafast", str(path)], check=True)
    return path


def post(client, user, path):
    client.force_login(user)
    return client.post("/", {"video": SimpleUploadedFile("huge.mp4", path.read_bytes()), "frames": 10})


def test_the_upload_is_refused_with_a_sentence(client, user, huge, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert settings.DEEPTRACE_MAX_VIDEO_SIDE == 4096
    response = post(client, user, huge)
    assert response.status_code == 400 and SENTENCE in html.unescape(response.content.decode())
    assert not Video.objects.exists()


def test_the_worker_refuses_it_too(client, user, huge, settings, tmp_path, active_model):
    settings.MEDIA_ROOT = tmp_path
    settings.DEEPTRACE_MAX_VIDEO_SIDE = 10_000  # it got in under a higher limit
    assert post(client, user, huge).status_code == 302
    settings.DEEPTRACE_MAX_VIDEO_SIDE = 4096
    analysis = Analysis.objects.get()
    assert jobs.run(analysis.pk) is jobs.Outcome.FINISHED
    analysis.refresh_from_db()
    assert (analysis.status, analysis.error_code) == ("failed", "video_too_large")
    assert analysis.error_message.startswith(SENTENCE)
