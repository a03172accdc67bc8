"""Use cases of the detector app. Views, the API, tasks and commands call these; none runs the model."""

import logging
import time

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ml.errors import VideoError

from . import inference
from .models import Analysis, FrameResult, ModelVersion, Video

log = logging.getLogger(__name__)

# Each pipeline stage owns a slice of the progress bar.
_STAGE_SPAN = {"probing": (0, 5), "sampling": (5, 35), "detecting": (35, 70), "scoring": (70, 95)}
INTERNAL_ERROR = "The analysis stopped because of an internal error. You can retry it; if it fails again, contact us."


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
    """Queue for the worker, or park as "waiting for a model" when none is active."""
    from .tasks import analyze  # tasks import services; import here to keep the cycle one-way

    if active_model() is None:
        Analysis.objects.filter(pk=analysis.pk).update(status=Analysis.Status.WAITING_MODEL, stage="")
        analysis.status = Analysis.Status.WAITING_MODEL
        return
    Analysis.objects.filter(pk=analysis.pk).update(
        status=Analysis.Status.QUEUED, stage="", progress=0, error_code="", error_message=""
    )
    analysis.status = Analysis.Status.QUEUED
    analysis_id = analysis.pk
    transaction.on_commit(lambda: analyze.delay(analysis_id))


def retry(analysis):
    """Run a failed analysis again. Returns False if it is not in a retryable state."""
    if analysis.status != Analysis.Status.FAILED:
        return False
    enqueue(analysis)
    return True


def release_waiting():
    """Queue every analysis that was waiting for a model. Returns how many."""
    waiting = list(Analysis.objects.filter(status=Analysis.Status.WAITING_MODEL))
    for analysis in waiting:
        enqueue(analysis)
    return len(waiting)


def claim(analysis_id):
    """Mark a queued analysis running; False when another delivery already has it (idempotency)."""
    claimed = Analysis.objects.filter(pk=analysis_id, status=Analysis.Status.QUEUED).update(
        status=Analysis.Status.RUNNING,
        stage="starting",
        progress=0,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    return claimed == 1


def run(analysis_id):
    """The worker's job: claim, analyse, persist. Never raises for a user's bad video."""
    if not claim(analysis_id):
        log.info("Analysis %s is not queued any more; skipping this delivery", analysis_id)
        return
    analysis = Analysis.objects.select_related("video").get(pk=analysis_id)
    model_version = active_model()
    if model_version is None:
        Analysis.objects.filter(pk=analysis_id).update(status=Analysis.Status.WAITING_MODEL, stage="")
        return
    started = time.monotonic()
    try:
        options = inference.options_for(analysis, model_version)
        result = inference.run_pipeline(analysis.video.file.path, model_version, options, _progress_writer(analysis_id))
    except VideoError as error:
        _fail(analysis_id, error.code, str(error))
    except Exception:
        log.exception("Analysis %s failed", analysis_id)
        _fail(analysis_id, "internal_error", INTERNAL_ERROR)
    else:
        save_result(analysis, model_version, result, time.monotonic() - started)
    if analysis.webhook_url:
        from .tasks import send_webhook

        send_webhook.delay(analysis_id)


def _progress_writer(analysis_id):
    """The pipeline's progress callback: one UPDATE per whole percent gained, never backwards.

    At most ~100 small writes per analysis, so every step the pipeline reports reaches the page (a
    time-based throttle could hold back the last step before a long stage). The pipeline interleaves
    sampling and detection batch by batch: a report that would move the bar back, or relabel it with
    an earlier stage, is skipped.
    """
    last = {"stage": None, "percent": -1}

    def write(stage, fraction):
        low, high = _STAGE_SPAN.get(stage, (0, 95))
        percent = int(low + (high - low) * max(0.0, min(1.0, fraction)))
        moves_on = stage != last["stage"] and low >= last["percent"]
        if percent <= last["percent"] and not moves_on:
            return
        percent = max(percent, last["percent"])
        Analysis.objects.filter(pk=analysis_id).update(stage=stage, progress=percent)
        last.update(stage=stage, percent=percent)

    return write


def _fail(analysis_id, code, message):
    Analysis.objects.filter(pk=analysis_id).update(
        status=Analysis.Status.FAILED,
        stage="",
        error_code=code,
        error_message=message,
        finished_at=timezone.now(),
    )


@transaction.atomic
def save_result(analysis, model_version, result, seconds):
    """Persist an ml AnalysisResult. Replaces earlier frames, so a re-run leaves one result."""
    analysis.frames.all().delete()
    for frame in result.frames:
        row = FrameResult(
            analysis=analysis,
            track=frame.track,
            frame_index=frame.frame_index,
            timestamp_s=frame.timestamp_s,
            box=list(frame.box),
            fake_probability=frame.fake_probability,
        )
        row.crop.save(f"{frame.track}-{frame.frame_index}.jpg", ContentFile(frame.crop_jpeg), save=False)
        row.save()
    Analysis.objects.filter(pk=analysis.pk).update(
        status=Analysis.Status.DONE,
        stage="",
        progress=100,
        model_version=model_version,
        # The rule this verdict was decided with: the pipeline's own when it reports it, else the
        # version's values that inference.options_for passed to it.
        threshold=_decided(result, "threshold", model_version.threshold),
        uncertain_band=_decided(result, "uncertain_band", model_version.uncertain_band),
        verdict=result.verdict,
        confidence=result.confidence,
        fake_probability=result.fake_probability,
        frames_analysed=result.frames_sampled,
        faces_found=result.faces_found,
        tracks=[vars(track) for track in result.tracks],
        timings=result.timings,
        processing_seconds=round(seconds, 3),
        error_code="",
        error_message="",
        finished_at=timezone.now(),
    )


def _decided(result, name, fallback):
    value = getattr(result, name, None)
    return fallback if value is None else value


def delete_analysis(analysis):
    """Delete an analysis with its crops, and its video when no other analysis uses it."""
    video = analysis.video
    for frame in analysis.frames.all():
        frame.crop.delete(save=False)
    analysis.delete()
    if not video.analyses.exists():
        video.file.delete(save=False)
        video.delete()
