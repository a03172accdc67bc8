"""Use cases of the detector app. Views, the API, tasks and commands call these; none runs the model."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import dispatch, fair_queue, jobs, retention
from .models import Analysis, FrameResult, ModelVersion, Video

log = logging.getLogger(__name__)


def submit(owner, upload, checked, frames, webhook_url="", force=False):
    """Store a checked upload once per owner and content, and queue its analysis.

    Returns (analysis, duplicate). The same file again gets its earlier analysis back (duplicate=True)
    unless that failed or `force` asks for a new one, which reuses the stored video. Two identical
    uploads at once are kept apart by the database (Video's unique owner+sha256), not by a look first:
    the loser's insert waits for the winner's commit, fails, and the loser takes the winner's analysis.
    A new analysis past the owner's cap raises fair_queue.TooManyActive, and nothing is stored.
    """
    video = Video.objects.filter(owner=owner, sha256=checked.sha256).first()
    if video is None:
        stored = _store_first(owner, upload, checked, frames, webhook_url)
        if stored is not None:
            return stored, False
        video = Video.objects.get(owner=owner, sha256=checked.sha256)
    # A purged video's upload is written before the row lock is taken (it may be 200 MB), and removed
    # again if it is not used.
    copy = _save_copy(video, upload) if video.is_purged else None
    restored = None
    try:
        with transaction.atomic():
            # Under the row lock a purge takes (detector/retention.py): the file is either still stored
            # for the analysis queued here, or already purged and stored again from this upload.
            retention.lock(video.pk)
            video.refresh_from_db()
            if video.is_purged:
                restored = copy or _save_copy(video, upload)  # purged since it was looked up: rare
                _restore(video, restored)
            earlier = None if force else video.analyses.exclude(status=Analysis.Status.FAILED).first()
            if earlier is not None:
                return answered_by(earlier, webhook_url), True
            fair_queue.check_room(owner.pk)
            return start_analysis(video, frames, webhook_url), False
    except BaseException:
        if restored:  # the row that pointed at it was rolled back
            video.file.storage.delete(restored)
        raise
    finally:
        if copy and copy != restored:
            video.file.storage.delete(copy)


def _save_copy(video, upload):
    """Store the upload under a new name for `video`'s file; the name."""
    field = video.file.field
    return video.file.storage.save(field.generate_filename(video, upload.name), upload, max_length=field.max_length)


def _restore(video, name):
    """Point a video purged after the retention period (its row locked) at the upload stored again as
    `name`, so it plays and can be re-run, and is kept a whole retention period from now."""
    video.stored_at = timezone.now()
    video.file.name = name
    Video.objects.filter(pk=video.pk).update(file=name, stored_at=video.stored_at)


def _store_first(owner, upload, checked, frames, webhook_url):
    """Video and analysis in one transaction, so a concurrent twin never sees a video without one.
    None when another request stored the same file first; the file this one wrote is removed."""
    video = new_video(owner, upload, checked)
    try:
        with transaction.atomic():
            fair_queue.check_room(owner.pk)  # before the file is written: a refusal leaves nothing
            video.save()
            return start_analysis(video, frames, webhook_url)
    except IntegrityError:
        if video.file.name:
            video.file.delete(save=False)
        return None


def create_video(owner, upload, checked):
    """Store an upload that passed `detector.uploads.check_upload` under a generated name."""
    video = new_video(owner, upload, checked)
    video.save()
    return video


def new_video(owner, upload, checked):
    """An unsaved Video for a checked upload; saving it stores the file."""
    info = checked.info
    return Video(
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


def answered_by(earlier, webhook_url):
    """The earlier analysis a submission of the same video is answered with. One still in progress
    takes the submission's webhook when it has none, so a client that asked for a callback gets one
    (a finished one is the answer itself; one with a webhook of its own keeps it)."""
    if webhook_url and not earlier.webhook_url:
        adopted = (Analysis.objects.filter(pk=earlier.pk, webhook_url="")
                   .exclude(status__in=[Analysis.Status.DONE, Analysis.Status.FAILED])
                   .update(webhook_url=webhook_url))
        if adopted:
            earlier.webhook_url = webhook_url
        else:
            earlier.refresh_from_db()  # it finished meanwhile: answer with what it is now
    return earlier


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
    if ModelVersion.objects.active() is None:
        analysis.wait_for_model()
        return
    analysis.start_over(Analysis.Status.QUEUED)
    analysis_id = analysis.pk
    transaction.on_commit(lambda: dispatch.send(analysis_id))


def is_retryable(analysis):
    """Failed, or stuck: running under a lease that nobody renews (its worker died); and its video
    still stored (not purged after the retention period)."""
    if analysis.video.is_purged:
        return False
    stuck = Analysis.objects.filter(jobs.takeable(), pk=analysis.pk, status=Analysis.Status.RUNNING)
    return analysis.status == Analysis.Status.FAILED or stuck.exists()


NOT_RETRYABLE = "Only a failed analysis can be retried."
VIDEO_PURGED = ("Its video was deleted after the retention period, so it cannot run again. "
                "Upload the video again to analyse it anew.")


def not_retryable_reason(analysis):
    """Why `retry` refused the analysis, in a sentence for its owner."""
    return VIDEO_PURGED if analysis.video.is_purged else NOT_RETRYABLE


def retry(analysis):
    """Run a failed or stuck analysis again. Returns False if it is not in a retryable state; raises
    fair_queue.TooManyActive when its owner has no room for it."""
    with transaction.atomic():
        retention.lock(analysis.video_id)  # a purge of its video waits, or has finished and is seen
        # Its status and video as they are now: a second click's copy may say FAILED after the first
        # click's run was claimed by a worker.
        analysis.refresh_from_db()
        if not is_retryable(analysis):
            return False
        if analysis.status == Analysis.Status.FAILED:  # a stuck one is already counted as running
            fair_queue.check_room(analysis.video.owner_id)
        # A fresh count of attempts: the worker gives up on a video that killed its worker too often.
        Analysis.objects.filter(pk=analysis.pk).update(attempts=0)
        enqueue(analysis)
        return True


def release_waiting():
    """Queue every analysis that was waiting for a model and send each after the commit. Returns how
    many. A row the sweeper has queued meanwhile (dispatch.release_stranded) is not sent again."""
    queued = dispatch.queue_waiting()
    for analysis_id in queued:
        transaction.on_commit(lambda analysis_id=analysis_id: dispatch.send(analysis_id))
    return len(queued)


def delete_analysis(analysis):
    """Delete an analysis with its crops and heatmaps, and its video when no other analysis uses it.

    Under the video's and then the analysis's row lock (the order the worker's writes take them): a
    worker saving this analysis's result finishes first and its crops are deleted with the rest; a
    worker that is still running finds the row gone at its next step and stops (detector.jobs). A
    second delete of the same analysis (a double click) finds it gone and does nothing."""
    with transaction.atomic():
        video_id = _lock_with_video(analysis.pk)
        if video_id is None:
            return
        files = [file for frame in FrameResult.objects.filter(analysis_id=analysis.pk) for file in frame.files()]
        Analysis.objects.filter(pk=analysis.pk).delete()
        video = Video.objects.filter(pk=video_id).first()
        if video is not None and not video.analyses.exists():
            if video.file:
                files.append(video.file)
            video.delete()
        # The files once the rows are gone for good (a rolled-back delete keeps everything); robust:
        # a storage error leaves a file behind, logged, and does not fail the delete that committed.
        transaction.on_commit(lambda: _delete_stored(files), robust=True)


def _lock_with_video(analysis_id):
    """Lock the analysis's video, then the analysis; the video's id, or None when the analysis is
    gone. A link's download may have moved the analysis to its twin video meanwhile: that one is
    locked too, after, in the order the download takes them (detector.link_download._store)."""
    video_id = Analysis.objects.filter(pk=analysis_id).values_list("video_id", flat=True).first()
    if video_id is None:
        return None
    retention.lock(video_id)
    if not Analysis.objects.lock(analysis_id):
        return None
    current = Analysis.objects.filter(pk=analysis_id).values_list("video_id", flat=True).first()
    if current != video_id:
        retention.lock(current)
    return current


def _delete_stored(files):
    for file in files:
        try:
            file.delete(save=False)
        except Exception:
            log.warning("Could not delete %s; it is left on storage", file.name, exc_info=True)
