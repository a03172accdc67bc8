"""Videos submitted as a link, the web side: the link is stored and queued; the worker downloads it
(detector.link_download) before anything else. Nothing here fetches the link.
"""

from django.db import transaction

from . import fair_queue, link_fetch
from .models import Analysis, Video
from .services import start_analysis


def submit_link(owner, url, frames, webhook_url="", force=False):
    """Queue the analysis of the video at `url` (already checked by detector.link_targets).

    Returns (analysis, duplicate): the same link again gets its earlier analysis back unless that
    failed or `force` asks for a new one. Raises fair_queue.TooManyActive past the owner's cap."""
    with transaction.atomic():
        video = Video.objects.filter(owner=owner, source_url=url).order_by("-created_at").first()
        earlier = None if force or video is None else video.analyses.exclude(status=Analysis.Status.FAILED).first()
        if earlier is not None:
            return earlier, True
        fair_queue.check_room(owner.pk)
        if video is None:
            video = Video.objects.create(owner=owner, source_url=url, original_name=link_fetch.name_of(url),
                                         sha256="", size_bytes=0)
        return start_analysis(video, frames, webhook_url), False

