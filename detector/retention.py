"""Retention: stored videos are deleted after a while; what was found in them is kept.

A purged Video keeps its row (name, size, SHA-256, resolution: the report still describes it) with an
empty `file`. Its analyses, verdicts and crops stay; the result page says the video is gone.
"""

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from .models import Analysis, Video

log = logging.getLogger(__name__)
IN_PROGRESS = [Analysis.Status.QUEUED, Analysis.Status.RUNNING, Analysis.Status.WAITING_MODEL]


def purgeable(days):
    """Stored videos older than `days` whose analyses are all finished."""
    cutoff = timezone.now() - timedelta(days=days)
    busy = Analysis.objects.filter(status__in=IN_PROGRESS).values("video_id")
    return Video.objects.filter(created_at__lt=cutoff).exclude(Q(file="") | Q(pk__in=busy))


def purge_videos(days):
    """Delete the files of `purgeable(days)`; returns (how many, bytes)."""
    count = size = 0
    for video in purgeable(days).iterator():
        name = video.file.name
        # The row first: a crash between the two leaves an unreferenced file, never a row pointing nowhere.
        Video.objects.filter(pk=video.pk).update(file="")
        video.file.storage.delete(name)
        count, size = count + 1, size + video.size_bytes
        log.info("Deleted video file %s (video %s, retention %s days)", name, video.pk, days)
    return count, size
