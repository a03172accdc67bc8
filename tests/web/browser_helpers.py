"""Helpers for the browser tests: a logged-in page without typing, and an analysis whose video plays."""

import uuid
from urllib.parse import urlparse

from django.core.files.base import ContentFile

from detector.models import Analysis, FrameResult, Video
from tests.fixtures import tiny_jpeg

TIMESTAMPS = (0.2, 0.7, 1.2, 1.7)
SCORES = (0.2, 0.45, 0.62, 0.9)


def log_in(page, live_server, client, user):
    """Give the browser the session of `user` (the login form itself is tested elsewhere)."""
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "domain": urlparse(live_server.url).hostname, "path": "/"}])


def make_playable_analysis(owner, clip, model_version=None, name="interview.webm"):
    """A finished analysis of a real, playable WebM clip, with a face crop at each of TIMESTAMPS."""
    video = Video(owner=owner, original_name=name, sha256=uuid.uuid4().hex * 2, size_bytes=clip.stat().st_size,
                  content_type="webm", duration_s=2.0, fps=10, width=320, height=240)
    video.file.save(name, ContentFile(clip.read_bytes()), save=False)
    video.save()
    analysis = Analysis.objects.create(
        video=video, status=Analysis.Status.DONE, verdict="fake", confidence=0.9, fake_probability=0.9,
        frames_requested=20, frames_analysed=len(SCORES), faces_found=len(SCORES), processing_seconds=2.0,
        progress=100, model_version=model_version, threshold=0.5, uncertain_band=0.1,
        tracks=[{"track": 0, "fake_probability": 0.9, "frames": len(SCORES)}],
    )
    for i, (t, p) in enumerate(zip(TIMESTAMPS, SCORES)):
        frame = FrameResult(analysis=analysis, track=0, frame_index=i * 5, timestamp_s=t, box=[1, 1, 50, 50],
                            fake_probability=p)
        frame.crop.save(f"{i}.jpg", ContentFile(tiny_jpeg()), save=False)
        frame.save()
    return analysis
