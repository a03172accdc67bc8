"""The worker's job: claim an analysis, run the pipeline, write progress, save or fail it.

A job survives its worker. While an analysis runs, its row holds a lease: `heartbeat_at`, written
with every progress step and by a heartbeat thread in between (model loading and long stages report
nothing for a while). A worker that dies stops writing; once the lease is older than
DEEPTRACE_JOB_LEASE_S any delivery of the analysis (Celery's redelivery, or the sweeper's message)
takes it over. The claim is one conditional UPDATE, so two deliveries never both run it.

Nothing here imports Celery: `detector.tasks` wraps these and enqueues what follows.
"""

import enum
import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from ml.errors import VideoError

from . import fair_queue, inference, link_download, media_files
from .models import Analysis, FrameResult, ModelVersion

log = logging.getLogger(__name__)

# Each pipeline stage owns a slice of the progress bar.
# A video submitted as a link is downloaded first, in the first DOWNLOAD_SHARE percent; the pipeline's
# stages then share the rest in the same proportions.
DOWNLOAD_SHARE = 10
_STAGE_SPAN = {"downloading": (0, 100), "provenance": (0, 2), "loading": (2, 2), "probing": (2, 5), "sampling": (5, 35), "detecting": (35, 70),
               "scoring": (70, 95)}
INTERNAL_ERROR = "The analysis stopped because of an internal error. You can retry it; if it fails again, contact us."
WORKER_LOST = ("The analysis stopped its worker several times (the video may need more memory than we have). "
               "You can retry it; if it fails again, contact us.")


class Outcome(enum.Enum):
    FINISHED = "finished"  # done or failed: the result (or the reason) is saved
    SKIPPED = "skipped"  # finished earlier, deleted (before or while it ran), or waiting for a model: nothing to do
    LEASED = "leased"  # another worker holds a live lease: try again when it could have expired


def lease_seconds():
    return settings.DEEPTRACE_JOB_LEASE_S


def lease_expired_before():
    return timezone.now() - timedelta(seconds=lease_seconds())


def takeable():
    """Analyses a delivery may claim: queued, or running under a lease nobody renews."""
    stale = Q(status=Analysis.Status.RUNNING) & (Q(heartbeat_at__lt=lease_expired_before()) | Q(heartbeat_at=None))
    return Q(status=Analysis.Status.QUEUED) | stale


def claim(analysis_id):
    """Take the analysis for this worker; False when it is not takeable (idempotency)."""
    now = timezone.now()
    claimed = Analysis.objects.filter(takeable(), pk=analysis_id).update(
        status=Analysis.Status.RUNNING,
        stage="starting",
        progress=0,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
    )
    return claimed == 1


def run(analysis_id):
    """Claim, analyse, persist. Never raises for a user's bad video; returns an Outcome."""
    if not claim(analysis_id):
        return _why_not_claimed(analysis_id)
    return _run_claimed(analysis_id)


def run_next(analysis_id):
    """What a delivery of `analysis_id`'s message runs: the fairest takeable analysis
    (detector.fair_queue), its own when its owner is as due as any. Returns (Outcome, the id it ran)."""
    for candidate in fair_queue.candidates(analysis_id, takeable(), lease_expired_before()):
        if claim(candidate):
            return _run_claimed(candidate), candidate
    return _why_not_claimed(analysis_id), analysis_id


def _run_claimed(analysis_id):
    analysis = Analysis.objects.select_related("video").filter(pk=analysis_id).first()
    if analysis is None:  # deleted just after the claim
        return Outcome.SKIPPED
    if analysis.attempts > settings.DEEPTRACE_JOB_MAX_ATTEMPTS:
        # Each earlier attempt lost its worker (killed, out of memory): do not kill another.
        fail(analysis_id, "worker_lost", WORKER_LOST)
        return Outcome.FINISHED
    model_version = ModelVersion.objects.active()
    if model_version is None:  # removed since the analysis was queued
        analysis.wait_for_model()
        return Outcome.SKIPPED
    log.info("Analysis %s claimed (attempt %s)", analysis_id, analysis.attempts)  # which worker took it
    with _heartbeat(analysis_id):
        return _analyse(analysis, model_version)


def _why_not_claimed(analysis_id):
    status = Analysis.objects.filter(pk=analysis_id).values_list("status", flat=True).first()
    if status == Analysis.Status.RUNNING:
        log.info("Analysis %s is held by a live lease; this delivery will come back", analysis_id)
        return Outcome.LEASED
    log.info("Analysis %s is %s; skipping this delivery", analysis_id, status or "gone")
    return Outcome.SKIPPED


def lease_left(analysis_id):
    """Seconds until the analysis's lease expires if nobody renews it (0 when already expired)."""
    beat = Analysis.objects.filter(pk=analysis_id).values_list("heartbeat_at", flat=True).first()
    if beat is None:
        return 0
    return max(0.0, (beat - lease_expired_before()).total_seconds())


def _analyse(analysis, model_version):
    """Run the pipeline and save its result or the reason it failed. An analysis its owner deletes
    meanwhile stops at its next progress step (the write finds no row) and leaves nothing behind."""
    started = time.monotonic()
    try:
        result = _run_pipeline(analysis, model_version)
    except Analysis.DoesNotExist:
        return _gone(analysis.pk)
    except VideoError as error:
        fail(analysis.pk, error.code, str(error))
        return Outcome.FINISHED
    except Exception:
        log.exception("Analysis %s failed", analysis.pk)
        fail(analysis.pk, "internal_error", INTERNAL_ERROR)
        return Outcome.FINISHED
    return _save(analysis, model_version, result, time.monotonic() - started)


def _run_pipeline(analysis, model_version):
    """Download a link's video first, then the provenance and the pipeline; the ml AnalysisResult."""
    options = inference.options_for(analysis, model_version)
    progress = progress_writer(analysis.pk)
    if analysis.video.awaiting_download:
        analysis.video = link_download.download(analysis, progress_writer(analysis.pk, end=DOWNLOAD_SHARE))
        progress = progress_writer(analysis.pk, start=DOWNLOAD_SHARE)
    save_expected_seconds(analysis.pk, inference.expected_seconds(model_version, analysis.frames_requested))
    with media_files.local_copy(analysis.video.file) as path:  # S3: a private copy, removed after
        save_provenance(analysis.pk, inference.read_provenance(path, progress))
        return inference.run_pipeline(path, model_version, options, progress)


def _save(analysis, model_version, result, seconds):
    try:
        saved = save_result(analysis, model_version, result, seconds)
    except Exception:
        # A storage or database error: say so now. Left running, the sweeper would re-run it until
        # the attempts ran out, and then blame the video.
        log.exception("Analysis %s: its result could not be saved", analysis.pk)
        fail(analysis.pk, "internal_error", INTERNAL_ERROR)
        return Outcome.FINISHED
    if not saved:
        return _gone(analysis.pk)
    log.info("Analysis %s done in %.1f s", analysis.pk, seconds)
    return Outcome.FINISHED


def _gone(analysis_id):
    log.info("Analysis %s was deleted while it ran; stopped", analysis_id)
    return Outcome.SKIPPED


class _heartbeat:
    """Renew the lease every quarter lease from a thread while the pipeline works."""

    def __init__(self, analysis_id):
        self.analysis_id = analysis_id
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"lease-{analysis_id}", daemon=True)

    def __enter__(self):
        self.thread.start()

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def _beat(self):
        try:
            while not self.stop.wait(lease_seconds() / 4):
                Analysis.objects.filter(pk=self.analysis_id, status=Analysis.Status.RUNNING).update(
                    heartbeat_at=timezone.now())
        except Exception:  # a database hiccup: the progress writes renew the lease too
            log.warning("Lease heartbeat of analysis %s stopped", self.analysis_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection


def progress_writer(analysis_id, start=0, end=100):
    """The pipeline's progress callback: one UPDATE per whole percent gained, never backwards.

    At most ~100 small writes per analysis, so every step the pipeline reports reaches the page (a
    time-based throttle could hold back the last step before a long stage). The pipeline interleaves
    sampling and detection batch by batch: a report that would move the bar back, or relabel it with
    an earlier stage, is skipped. Each write renews the lease. The writer fills the bar from `start` to
    `end` percent (a link's download takes the first part). A write that finds no row raises
    Analysis.DoesNotExist: the analysis was deleted, and the pipeline stops there.
    """
    last = {"stage": None, "percent": -1}

    def write(stage, fraction):
        low, high = (start + (end - start) * bound / 100 for bound in _STAGE_SPAN.get(stage, (0, 95)))
        percent = int(low + (high - low) * max(0.0, min(1.0, fraction)))
        moves_on = stage != last["stage"] and low >= last["percent"]
        if percent <= last["percent"] and not moves_on:
            return
        percent = max(percent, last["percent"])
        if not Analysis.objects.filter(pk=analysis_id).update(stage=stage, progress=percent, heartbeat_at=timezone.now()):
            raise Analysis.DoesNotExist(f"Analysis {analysis_id} was deleted")
        last.update(stage=stage, percent=percent)

    return write


def save_provenance(analysis_id, provenance):
    """Stored before detection starts, so a failed detection still shows where the file came from."""
    if provenance is not None:
        Analysis.objects.filter(pk=analysis_id).update(provenance=provenance)


def save_expected_seconds(analysis_id, seconds):
    """The page's time estimate (detector.explain.live_state), once this worker has measured its speed."""
    if seconds is not None:
        Analysis.objects.filter(pk=analysis_id).update(expected_seconds=seconds)


def fail(analysis_id, code, message):
    Analysis.objects.filter(pk=analysis_id).update(
        status=Analysis.Status.FAILED,
        stage="",
        error_code=code,
        error_message=message,
        heartbeat_at=None,
        finished_at=timezone.now(),
    )


def save_result(analysis, model_version, result, seconds):
    """Persist an ml AnalysisResult. Replaces earlier frames and their files, so a re-run leaves one result.
    Returns False, writing nothing, when the analysis was deleted meanwhile. Holds the analysis's row lock
    while it writes, so a delete (services.delete_analysis) waits and then removes these crops too."""
    written, committed = [], False
    try:
        with transaction.atomic():
            if not Analysis.objects.lock(analysis.pk):
                return False
            _delete_frames(analysis)
            for frame in result.frames:
                _save_frame(analysis, frame, written)
            _save_verdict(analysis, model_version, result, seconds)
        committed = True
    finally:
        if not committed:
            _delete_files(written)  # their rows were rolled back: the files would belong to nothing
    return True


def _save_frame(analysis, frame, written):
    """One scored face crop (and its heatmap); the names of the files it writes go into `written`."""
    row = FrameResult(
        analysis=analysis,
        track=frame.track,
        frame_index=frame.frame_index,
        timestamp_s=frame.timestamp_s,
        box=list(frame.box),
        fake_probability=frame.fake_probability,
    )
    row.crop.save(f"{frame.track}-{frame.frame_index}.jpg", ContentFile(frame.crop_jpeg), save=False)
    written.append(row.crop.name)
    if frame.heatmap_jpeg:
        row.heatmap.save(f"{frame.track}-{frame.frame_index}.jpg", ContentFile(frame.heatmap_jpeg), save=False)
        written.append(row.heatmap.name)
    row.save()


def _save_verdict(analysis, model_version, result, seconds):
    Analysis.objects.filter(pk=analysis.pk).update(
        status=Analysis.Status.DONE,
        stage="",
        progress=100,
        heartbeat_at=None,
        model_version=model_version,
        # The rule this verdict was decided with (ml.decision.settle_rule), read from here ever after
        # (Analysis.decision_rule), whatever staff later make of the model's threshold.
        threshold=result.threshold,
        uncertain_band=result.uncertain_band,
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


def _delete_frames(analysis):
    """Delete the earlier run's rows, and their crop and heatmap files once the new result commits."""
    old = list(analysis.frames.all())
    analysis.frames.all().delete()
    names = [file.name for frame in old for file in frame.files()]
    if names:
        # robust: a storage error here must not undo the new result, which has committed.
        transaction.on_commit(lambda: _delete_files(names), robust=True)


def _delete_files(names):
    """Delete each file, logging (not raising) a failure: the others still go."""
    storage = FrameResult._meta.get_field("crop").storage  # crops and heatmaps share it
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            log.warning("Could not delete %s; it is left on storage", name, exc_info=True)
