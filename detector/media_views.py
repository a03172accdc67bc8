"""Uploaded videos, face crops and their heatmaps, served only to their owner and to staff.

MEDIA_ROOT is never routed directly: these views look the file up through an owner-filtered query,
so anyone else gets a 404 (not a 403, which would confirm the file exists). Files come through the
storage API (detector.media_files), streamed by Django after the owner check, from the local disk or
from S3 alike: the bucket stays private and no address to it ever reaches a browser.
"""

import os
import re

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from . import media_files
from .models import Analysis, FrameResult, Video

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@login_required
@require_GET
def crop(request, frame_id):
    frames = FrameResult.objects.filter(analysis__in=Analysis.objects.visible_to(request.user))
    frame = get_object_or_404(frames, pk=frame_id)
    return file_response(frame.crop, "image/jpeg")


@login_required
@require_GET
def heatmap(request, frame_id):
    frames = FrameResult.objects.filter(analysis__in=Analysis.objects.visible_to(request.user))
    frame = get_object_or_404(frames.exclude(heatmap=""), pk=frame_id)
    return file_response(frame.heatmap, "image/jpeg")


@login_required
@require_GET
def video(request, video_id):
    videos = Video.objects.all() if request.user.is_staff else Video.objects.filter(owner=request.user)
    item = get_object_or_404(videos, pk=video_id)
    content_type = f"video/{item.content_type}" if item.content_type in ("mp4", "webm") else "video/quicktime"
    return _ranged_file(request, item.file, content_type, item.original_name)


def file_response(field, content_type, size=None):
    """The whole file, streamed from its storage (the local disk or S3) as it goes out."""
    try:
        stream = media_files.open_stream(field)
    except FileNotFoundError:
        raise Http404("The file is gone.") from None
    response = FileResponse(stream, content_type=content_type)
    if size is not None:  # an S3 stream does not know its length
        response["Content-Length"] = str(size)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _ranged_file(request, field, content_type, filename):
    """A FileResponse that answers a single `Range: bytes=a-b`, so browsers can seek in a video."""
    try:
        size = field.size
    except (FileNotFoundError, OSError, ValueError):  # ValueError: no file at all (purged)
        raise Http404("The file is gone.") from None
    match = _RANGE.match(request.headers.get("Range", ""))
    if not match:
        response = file_response(field, content_type, size)
        response["Accept-Ranges"] = "bytes"
        response["Content-Disposition"] = f'inline; filename="{_safe(filename)}"'
        return response
    start, end = _bounds(match, size)
    if start is None:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    try:
        with media_files.open_stream(field, start, end) as stream:  # S3: one ranged GET
            body = stream.read(end - start + 1)
    except FileNotFoundError:  # purged between the two looks
        raise Http404("The file is gone.") from None
    response = HttpResponse(body, status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# Browsers ask for open-ended ranges ("bytes=0-"); cap each answer so one request never loads a big
# video into memory.
MAX_RANGE_BYTES = 4 * 1024 * 1024


def _bounds(match, size):
    first, last = match.groups()
    if first == "" and last == "":
        return None, None
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return None, None
    return start, min(end, start + MAX_RANGE_BYTES - 1)


def _safe(name):
    return os.path.basename(name).replace('"', "").replace("\\", "")[:150] or "video"
