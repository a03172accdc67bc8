"""Retention: stored videos are deleted after a while; what was found in them is kept.

A purged Video keeps its row (name, size, SHA-256, resolution: the report still describes it) with an
empty `file`. Its analyses, verdicts and crops (with their heatmaps) stay; the result page says the video is gone. The period
counts from `Video.stored_at`: a purged video uploaded again is stored again for a whole period.

Each video is purged under its row lock, the lock `services.submit` and `services.retry` take before
they queue an analysis of a stored video, and is checked again under it: a re-run started after the
candidates were listed keeps its file, and a re-run that waited for the purge stores the upload again
(submit) or is refused as purged (retry), never queued on a file that is gone.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Analysis, Video

log = logging.getLogger(__name__)
IN_PROGRESS = [Analysis.Status.QUEUED, Analysis.Status.RUNNING, Analysis.Status.WAITING_MODEL]


def purgeable(days):
    """Stored videos whose file is older than `days` and whose analyses are all finished."""
    busy = Analysis.objects.filter(status__in=IN_PROGRESS).values("video_id")
    return Video.objects.filter(stored_at__lt=_cutoff(days)).exclude(Q(file="") | Q(pk__in=busy))


def purge_videos(days):
    """Delete the files of `purgeable(days)`; returns (how many, bytes)."""
    count = size = 0
    for pk in list(purgeable(days).values_list("pk", flat=True)):
        video = purge_one(pk, days)
        if video is not None:
            count, size = count + 1, size + video.size_bytes
    return count, size


def purge_one(pk, days):
    """Delete the video's file if it is still purgeable now; the Video (its file emptied), or None."""
    with transaction.atomic():
        lock(pk)
        # Checked again once locked, in a statement of its own: under READ COMMITTED it sees an analysis
        # queued by the transaction it waited for (one query with FOR UPDATE would judge its subquery
        # on the snapshot from before the wait).
        video = purgeable(days).filter(pk=pk).first()
        if video is None:
            return None
        name = video.file.name
        Video.objects.filter(pk=pk).update(file="")
    # The row first, committed: a crash between the two leaves an unreferenced file, never a row
    # pointing nowhere.
    video.file.storage.delete(name)
    log.info("Deleted video file %s (video %s, retention %s days)", name, pk, days)
    return video


def lock(pk):
    """Take the video's row lock until the end of the transaction (waiting for whoever holds it)."""
    list(Video.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True))


def _cutoff(days):
    return timezone.now() - timedelta(days=days)
