"""Rows for the web tests: analyses in each state, a finished one with face crops, uploads."""

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from detector.models import Analysis, FrameResult, Review
from tests.fixtures import make_analysis, tiny_jpeg

__all__ = ["LOGIN_LOCKED", "make_analysis", "make_done_analysis", "make_review", "upload_file"]
# What a throttled log-in form says (accounts/login_throttle.py), on the site and in the admin.
LOGIN_LOCKED = "Too many failed log-ins for this account or from your address. Try again in 15 minutes."


def make_done_analysis(owner, model_version=None, scores=(0.2, 0.55, 0.9)):
    analysis = make_analysis(
        owner, status=Analysis.Status.DONE, verdict="fake", confidence=0.9, fake_probability=0.9,
        frames_analysed=len(scores), faces_found=len(scores), processing_seconds=3.25, progress=100,
        model_version=model_version, tracks=[{"track": 0, "fake_probability": 0.9, "frames": len(scores)}],
    )
    for i, p in enumerate(scores):
        frame = FrameResult(analysis=analysis, track=0, frame_index=i * 5, timestamp_s=i * 0.5,
                            box=[1, 1, 50, 50], fake_probability=p)
        frame.crop.save(f"0-{i}.jpg", ContentFile(tiny_jpeg()), save=False)
        frame.save()
    return analysis


def make_review(analysis, reviewer, decision=Review.Decision.OVERTURNED_REAL):
    return Review.objects.create(analysis=analysis, reviewer=reviewer, decision=decision)


def upload_file(path, name=None):
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="video/mp4")
