"""Rows and results for job tests: a stored video, an analysis, and a pipeline result to return."""

import io
import uuid

from django.core.files.base import ContentFile
from PIL import Image

from detector.models import Analysis, Video
from ml.results import AnalysisResult, FrameScore, TrackScore, VideoInfo


def tiny_jpeg(colour=(200, 120, 90)):
    buffer = io.BytesIO()
    Image.new("RGB", (112, 112), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def make_video(owner, name="clip.mp4"):
    video = Video(owner=owner, original_name=name, sha256=uuid.uuid4().hex * 2, size_bytes=10, width=320, height=240)
    video.file.save(name, ContentFile(b"not really a video"), save=False)
    video.save()
    return video


def make_analysis(owner, status=Analysis.Status.QUEUED, **fields):
    return Analysis.objects.create(video=make_video(owner), status=status, **fields)


def fake_result(verdict="fake", p_fake=0.9, frames=3):
    scores = [
        FrameScore(track=0, frame_index=i * 5, timestamp_s=i * 0.5, box=(10, 10, 60, 60),
                   fake_probability=p_fake, crop_jpeg=tiny_jpeg())
        for i in range(frames)
    ]
    return AnalysisResult(
        verdict=verdict, confidence=p_fake if verdict == "fake" else 1 - p_fake, fake_probability=p_fake,
        frames_sampled=frames, faces_found=frames,
        video=VideoInfo(path="x.mp4", duration_s=2.0, fps=10.0, width=320, height=240, frame_count=20),
        tracks=[TrackScore(track=0, fake_probability=p_fake, frames=frames)], frames=scores,
        timings={"total": 0.1},
    )
