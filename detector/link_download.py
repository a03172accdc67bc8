"""Videos submitted as a link, the worker's side: download the link before anything else, under the
upload's limits (detector.link_fetch), check it as an upload is checked (detector.uploads), and store it
through the storage API. One Video per owner and content holds here too: a link to a video its owner
already has moves the analysis onto that one.
"""

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import transaction
from django.utils import timezone

from . import link_fetch, retention
from .models import Analysis, Video
from .uploads import UploadRejected, check_upload


def limits():
    return link_fetch.Limits(max_bytes=int(settings.DEEPTRACE_MAX_UPLOAD_MB * 1024 * 1024),
                             timeout_s=settings.DEEPTRACE_LINK_TIMEOUT_S)


def download(analysis, progress):
    """Fetch the analysis's link into its Video (or the owner's twin of it); the Video to analyse.
    Raises a VideoError (link_fetch.LinkFailed) with a sentence when the link gives no video we take."""
    video = analysis.video
    progress("downloading", 0)  # the stage shows at once, even when the server gives no length
    with TemporaryUploadedFile("video", "application/octet-stream", 0, None) as upload:
        fetched = link_fetch.fetch(video.source_url, upload.file, limits(), lambda f: progress("downloading", f))
        upload.file.flush()
        upload.name, upload.size = fetched.name, fetched.size
        try:
            checked = check_upload(upload)  # the same content checks as an upload
        except UploadRejected as rejected:
            error = link_fetch.LinkFailed(rejected.message)
            error.code = rejected.code
            raise error from None
        return _store(analysis, video, upload, checked)


@transaction.atomic
def _store(analysis, video, upload, checked):
    # The locks a delete takes, in its order (services.delete_analysis): an analysis deleted during
    # its download stores nothing, rather than a file no row points at.
    retention.lock(video.pk)
    if not Analysis.objects.lock(analysis.pk):
        raise Analysis.DoesNotExist(f"Analysis {analysis.pk} was deleted during its download")
    twin = (Video.objects.select_for_update().filter(owner_id=video.owner_id, sha256=checked.sha256)
            .exclude(pk=video.pk).first())
    target = twin or video
    if not target.file:
        target.file.save(upload.name, upload, save=False)  # a generated name (Video.file's upload_to)
        info = checked.info
        Video.objects.filter(pk=target.pk).update(
            file=target.file.name, sha256=checked.sha256, size_bytes=upload.size, content_type=checked.container,
            duration_s=info.duration_s, fps=info.fps or None, width=info.width or None, height=info.height or None,
            stored_at=timezone.now())
    if twin is not None:
        Analysis.objects.filter(pk=analysis.pk).update(video=twin)
        if not video.analyses.exclude(pk=analysis.pk).exists():
            video.delete()
    target.refresh_from_db()
    return target
