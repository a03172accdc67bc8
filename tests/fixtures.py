"""Helpers the test areas share, in one place: paths, API clients and the error shape, database rows
made without the model, and a real Celery worker to start and stop.

Plain functions and constants only; the pytest fixtures built on them are in tests/conftest.py. A test
imports what it needs from here, never from a conftest.
"""

import io
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from detector.models import Analysis, FrameResult, ModelVersion, Video
from ml.decision import DEFAULT_THRESHOLD, DEFAULT_UNCERTAIN_BAND
from ml.results import AnalysisResult, FrameScore, TrackScore, VideoInfo

REPO = Path(__file__).resolve().parent.parent
SHARED_SAMPLE = REPO.parent / "shared" / "data" / "ffpp-sample"


# --- API clients and the error shape ---

def token_client(user):
    """An API client that authenticates as `user` with a fresh token."""
    from rest_framework.test import APIClient

    from accounts.models import ApiToken

    _, raw = ApiToken.issue(user, "tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def error_code(response):
    return response.json()["error"]["code"]


# --- Rows made without the model ---

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
    """A stored video as an upload leaves it: probed (container, size, duration), not a real clip."""
    video = Video(owner=owner, original_name=name, sha256=sha256 or uuid.uuid4().hex * 2, size_bytes=18,
                  content_type="mp4", width=320, height=240, duration_s=2.0)
    video.file.save(name, ContentFile(b"not really a video"), save=False)
    video.save()
    return video


def make_bare_video(owner, name="clip.mp4"):
    """A stored video with only its size and frame size recorded (no container, no duration)."""
    video = Video(owner=owner, original_name=name, sha256=uuid.uuid4().hex * 2, size_bytes=10, width=320, height=240)
    video.file.save(name, ContentFile(b"not really a video"), save=False)
    video.save()
    return video


def make_analysis(owner, status=Analysis.Status.QUEUED, **fields):
    """An analysis of a bare video, in `status`, with no frames scored."""
    return Analysis.objects.create(video=make_bare_video(owner), status=status, **fields)


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


def fake_result(verdict="fake", p_fake=0.9, frames=3, threshold=DEFAULT_THRESHOLD,
                uncertain_band=DEFAULT_UNCERTAIN_BAND):
    """What the pipeline would return for a video: `frames` scored crops on one track, decided by the
    rule given."""
    scores = [
        FrameScore(track=0, frame_index=i * 5, timestamp_s=i * 0.5, box=(10, 10, 60, 60),
                   fake_probability=p_fake, crop_jpeg=tiny_jpeg())
        for i in range(frames)
    ]
    return AnalysisResult(
        verdict=verdict, confidence=p_fake if verdict == "fake" else 1 - p_fake, fake_probability=p_fake,
        threshold=threshold, uncertain_band=uncertain_band, frames_sampled=frames, faces_found=frames,
        video=VideoInfo(path="x.mp4", duration_s=2.0, fps=10.0, width=320, height=240, frame_count=20),
        tracks=[TrackScore(track=0, fake_probability=p_fake, frames=frames)], frames=scores,
        timings={"total": 0.1},
    )


# --- A real worker, the broker it reads, and waiting for it ---

def start_worker(settings, queue, redis_url, pool="solo", env=None, concurrency=1):
    """Start a real Celery worker on `queue` and `redis_url`, reading the test database; wait until ready.

    The web side of the test sends to the same queue and broker from now on.
    """
    from django.db import connection

    use_broker(settings, queue, redis_url)
    db = connection.settings_dict
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=redis_url,
        DEEPTRACE_ANALYSIS_QUEUE=queue,
        DJANGO_SETTINGS_MODULE="deepfake_site.settings_test",
        **(env or {}),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "deepfake_site", "worker", "-Q", queue,
         "--concurrency", str(concurrency), "--pool", pool, "--loglevel", "INFO", "--without-heartbeat",
         "--without-gossip", "--without-mingle"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    _wait_for_ready(proc)
    return proc


def stop_worker(proc, sig=signal.SIGTERM):
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)


def use_broker(settings, queue, broker_url):
    """Send every detector task to `queue` on `broker_url` from now on; returns the Celery app."""
    app = route_tasks(settings, queue)
    point_at_broker(app, broker_url)
    return app


def point_at_broker(app, broker_url):
    if app.conf.broker_url != broker_url:
        app.conf.broker_url = broker_url
        app._pool = None  # drop connections pooled for the earlier broker
        app.amqp._producer_pool = None


def route_tasks(settings, queue):
    """Send every detector task to `queue` from now on; returns the Celery app."""
    settings.CELERY_TASK_ROUTES = {"detector.tasks.*": {"queue": queue}}
    from deepfake_site.celery import app

    app.conf.task_routes = settings.CELERY_TASK_ROUTES
    # Celery caches its routes at the first task sent: after an earlier test sent one (the contract
    # test's retries), ours would still go to the old queue, which no worker here reads.
    app.amqp.flush_routes()
    app.amqp.router = app.amqp.Router()
    return app


def _wait_for_ready(proc, timeout=90):
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if " ready." in line:
            # Keep draining so the worker never blocks on a full pipe; what it logs stays readable.
            proc.output = lines
            threading.Thread(target=lambda: [lines.append(line) for line in proc.stdout], daemon=True).start()
            return
    proc.kill()
    raise RuntimeError("The Celery worker did not start:\n" + "".join(lines[-40:]))


def wait_for(predicate, timeout=120, interval=0.5):
    """Poll until predicate() is truthy; return its value or fail with the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Condition not met within {timeout} s")


def finished_analysis(analysis_id):
    """The analysis once it is done or failed (with its video), else None: a predicate for wait_for."""
    from detector.models import Analysis

    analysis = Analysis.objects.select_related("video").get(pk=analysis_id)
    return analysis if analysis.is_finished else None
