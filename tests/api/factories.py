"""Rows for API and review tests: a finished analysis with tiny JPEG crops, made without the model."""

import io
import uuid

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from detector.models import Analysis, FrameResult, ModelVersion, Video


def tiny_jpeg(colour=(200, 120, 90)):
    buffer = io.BytesIO()
    Image.new("RGB", (112, 112), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def make_model(name=None, active=False, **fields):
    return ModelVersion.objects.create(
        name=name or f"model-{uuid.uuid4().hex[:6]}", backbone="resnext50_32x4d", checkpoint_path="/nowhere.pt",
        checkpoint_sha256="0" * 64, is_active=active, **fields,
    )


def make_video(owner, name="clip.mp4", sha256=None):
    video = Video(owner=owner, original_name=name, sha256=sha256 or uuid.uuid4().hex * 2, size_bytes=18,
                  content_type="mp4", width=320, height=240, duration_s=2.0)
    video.file.save(name, ContentFile(b"not really a video"), save=False)
    video.save()
    return video


def make_done(owner, verdict="fake", p_fake=0.9, frames=3, model_version=None, video=None, **fields):
    """A finished analysis with `frames` scored crops on one track; the last frame scores highest."""
    analysis = Analysis.objects.create(
        video=video or make_video(owner), status=Analysis.Status.DONE, verdict=verdict, progress=100,
        confidence=p_fake if verdict == "fake" else 1 - p_fake, fake_probability=p_fake,
        frames_requested=frames, frames_analysed=frames, faces_found=frames, processing_seconds=1.5,
        tracks=[{"track": 0, "fake_probability": p_fake, "frames": frames}],
        model_version=model_version, started_at=timezone.now(), finished_at=timezone.now(), **fields,
    )
    for i in range(frames):
        frame = FrameResult(analysis=analysis, track=0, frame_index=i * 5, timestamp_s=i * 0.5,
                            box=[10, 10, 60, 60], fake_probability=round(p_fake - 0.1 + 0.05 * i, 3))
        frame.crop.save(f"{i}.jpg", ContentFile(tiny_jpeg()), save=False)
        frame.save()
    return analysis


def make_failed(owner):
    return Analysis.objects.create(video=make_video(owner), status=Analysis.Status.FAILED,
                                   error_code="no_video_stream", error_message="The file has no video stream.")
