"""Videos submitted as a link, the web side: the link is stored and queued; the worker downloads it
(detector.link_download) before anything else. Nothing here fetches the link.
"""

from django.db import transaction

from . import fair_queue, link_fetch, retention
from .models import Analysis, Video
from .services import answered_by, start_analysis


def submit_link(owner, url, frames, webhook_url="", force=False):
    """Queue the analysis of the video at `url` (already checked by detector.link_targets).

    Returns (analysis, duplicate): the same link again gets its earlier analysis back unless that
    failed or `force` asks for a new one. Raises fair_queue.TooManyActive past the owner's cap."""
    with transaction.atomic():
        video = Video.objects.filter(owner=owner, source_url=url).order_by("-created_at").first()
        earlier = None if force or video is None else video.analyses.exclude(status=Analysis.Status.FAILED).first()
        if earlier is not None:
            return answered_by(earlier, webhook_url), True
        fair_queue.check_room(owner.pk)
        if video is not None:
            retention.lock(video.pk)  # a purge of its file waits, or has finished and is seen
            video.refresh_from_db()
        if video is None or video.is_purged:
            # A purged video keeps its row for its earlier findings; the link is downloaded again into
            # a new one (which joins the old row if the content is the same: link_download._store).
            video = Video.objects.create(owner=owner, source_url=url, original_name=link_fetch.name_of(url),
                                         sha256="", size_bytes=0)
        return start_analysis(video, frames, webhook_url), False

