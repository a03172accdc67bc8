"""Use cases of the detector app. Views, the API, tasks and commands call these; none runs the model."""

import logging

from django.db import transaction

from . import dispatch, jobs
from .models import Analysis, ModelVersion, Video

log = logging.getLogger(__name__)


def active_model():
    return ModelVersion.objects.filter(is_active=True).first()


def create_video(owner, upload, checked):
    """Store an upload that passed `detector.uploads.check_upload` under a generated name."""
    info = checked.info
    return Video.objects.create(
        owner=owner,
        file=upload,
        original_name=upload.name[:255],
        sha256=checked.sha256,
        size_bytes=upload.size,
        content_type=checked.container,
        duration_s=info.duration_s,
        fps=info.fps or None,
        width=info.width or None,
        height=info.height or None,
    )


def start_analysis(video, frames, webhook_url=""):
    """Create an analysis and queue it once the surrounding transaction commits."""
    analysis = Analysis.objects.create(video=video, frames_requested=frames, webhook_url=webhook_url)
    enqueue(analysis)
    return analysis


def enqueue(analysis):
    """Queue for the worker, or park as "waiting for a model" when none is active.

    The row is committed as queued before the broker hears of it; a failed send leaves it to the
    sweeper (detector.dispatch), so a broker outage never loses an upload nor fails the request.
    """
    if active_model() is None:
        Analysis.objects.filter(pk=analysis.pk).update(status=Analysis.Status.WAITING_MODEL, stage="")
        analysis.status = Analysis.Status.WAITING_MODEL
        return
    Analysis.objects.filter(pk=analysis.pk).update(
        status=Analysis.Status.QUEUED, stage="", progress=0, error_code="", error_message="",
        enqueued_at=None, heartbeat_at=None,
    )
    analysis.status = Analysis.Status.QUEUED
    analysis_id = analysis.pk
    transaction.on_commit(lambda: dispatch.send(analysis_id))


def is_retryable(analysis):
    """Failed, or stuck: running under a lease that nobody renews (its worker died)."""
    stuck = Analysis.objects.filter(jobs.takeable(), pk=analysis.pk, status=Analysis.Status.RUNNING)
    return analysis.status == Analysis.Status.FAILED or stuck.exists()


def retry(analysis):
    """Run a failed or stuck analysis again. Returns False if it is not in a retryable state."""
    if not is_retryable(analysis):
        return False
    # A fresh count of attempts: the worker gives up on a video that killed its worker too often.
    Analysis.objects.filter(pk=analysis.pk).update(attempts=0)
    enqueue(analysis)
    return True


def release_waiting():
    """Queue every analysis that was waiting for a model. Returns how many."""
    waiting = list(Analysis.objects.filter(status=Analysis.Status.WAITING_MODEL))
    for analysis in waiting:
        enqueue(analysis)
    return len(waiting)


def delete_analysis(analysis):
    """Delete an analysis with its crops, and its video when no other analysis uses it."""
    video = analysis.video
    for frame in analysis.frames.all():
        frame.crop.delete(save=False)
    analysis.delete()
    if not video.analyses.exists():
        video.file.delete(save=False)
        video.delete()
