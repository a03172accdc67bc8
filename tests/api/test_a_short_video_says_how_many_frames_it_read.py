"""An analysis that read fewer frames than requested says so in the API: counts and a sentence."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from detector import jobs, services, uploads
from detector.models import Analysis
from tests.fixtures import make_done
from tests.media import make_face_clip

pytestmark = pytest.mark.django_db


def detail(client, analysis):
    return client.get(f"/api/v1/analyses/{analysis.pk}/").json()


def test_a_full_analysis_carries_no_note(alice, user):
    body = detail(alice, make_done(user, frames=3))
    assert (body["frames_requested"], body["frames_analysed"], body["frames_short"], body["frames_note"]) == (3, 3, 0, None)


def test_a_verdict_from_one_of_twenty_frames_says_so(alice, user):
    analysis = make_done(user, frames=1)
    Analysis.objects.filter(pk=analysis.pk).update(frames_requested=20)
    body = detail(alice, analysis)
    assert (body["frames_requested"], body["frames_analysed"], body["frames_short"]) == (20, 1, 19)
    assert body["frames_note"] == "Analysed 1 of 20 requested frames: the rest could not be read from the video."


@pytest.mark.parametrize("seconds, fps, readable", [(0.1, 10, 1), (0.2, 30, 6)])
def test_a_clip_shorter_than_the_request_is_analysed_and_says_so(alice, user, active_model, tmp_path, seconds, fps,
                                                                 readable):
    clip = make_face_clip(tmp_path / "short.mp4", seconds=seconds, fps=fps)
    upload = SimpleUploadedFile(clip.name, clip.read_bytes(), content_type="video/mp4")
    video = services.create_video(user, upload, uploads.check_upload(upload))
    analysis = Analysis.objects.create(video=video, frames_requested=20)  # run here, by the real pipeline
    assert jobs.run(analysis.pk) is jobs.Outcome.FINISHED
    body = detail(alice, analysis)
    assert body["status"] == "done" and body["verdict"] in ("real", "fake", "uncertain")
    assert (body["frames_requested"], body["frames_analysed"], body["frames_short"]) == (20, readable, 20 - readable)
    assert body["frames_note"].startswith(f"Analysed {readable} of 20 requested frames")
    assert Analysis.objects.get(pk=analysis.pk).frames_analysed == readable
