"""Checks an upload before it is stored: size, container (by content, not name), decodability, length,
frame size.

Each refusal is an `UploadRejected` carrying a stable code, the HTTP status an API should answer with,
and a sentence for the user. Nothing here runs the model, and nothing here does unbounded work: this
runs inside a web request. Probing reads the container's header; only when the header does not say how
long the video is (headerless WebM) are frames counted, for at most DEEPTRACE_PROBE_MAX_FRAMES frames
and DEEPTRACE_PROBE_MAX_S seconds. Past that the length is left unknown and the worker counts it (and
refuses a video too long there, as a failed analysis with a sentence).

File types, one rule: the content decides. A file is accepted when its first bytes are those of an
MP4/MOV, WebM/MKV or AVI container and the decoder opens a video track in it, whatever its name says
(a video named `clip.png`, or `blob` with no extension, is a video). The name is a label only; it is
refused only when it ends in the extension of a program or a web page (BLOCKED_EXTENSIONS), because the
original name is offered back when the video is played or downloaded.
"""

import hashlib
import os
import tempfile
from dataclasses import dataclass

from django.conf import settings

from ml.errors import VideoError, VideoTooLarge, VideoTooLong
from ml.media import video
from ml.results import VideoInfo

# Names a browser or an operating system would run or render as a page if the file were saved under it.
BLOCKED_EXTENSIONS = {
    ".exe", ".com", ".bat", ".cmd", ".scr", ".msi", ".dll", ".ps1", ".vbs", ".js", ".jar", ".sh", ".apk",
    ".app", ".html", ".htm", ".xhtml", ".svg", ".php",
}


class UploadRejected(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class CheckedUpload:
    sha256: str
    container: str
    info: VideoInfo


def sniff_container(head):
    """Name the container from its first bytes, or None. ISO-BMFF covers mp4 and mov."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mov" if head[8:10] == b"qt" else "mp4"
    if len(head) >= 12 and head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "mov"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        # Matroska and WebM share EBML; the DocType says which.
        return "webm" if b"webm" in head[:64] else "mkv"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    return None


def check_upload(upload):
    """Validate a Django UploadedFile. Returns CheckedUpload or raises UploadRejected."""
    _check_size(upload.size)
    _check_name(upload.name)
    head = _read_head(upload)
    container = sniff_container(head)
    if container is None:
        raise UploadRejected(
            "unsupported_media_type",
            "This file is not a video we can read. Upload an MP4, MOV, WebM, AVI or MKV file.",
            415,
        )
    sha256 = _sha256(upload)
    info = _probe(upload, container)
    return CheckedUpload(sha256=sha256, container=container, info=info)


def _check_size(size):
    limit_mb = settings.DEEPTRACE_MAX_UPLOAD_MB
    if size == 0:
        raise UploadRejected("empty_file", "The file is empty.")
    if size > limit_mb * 1024 * 1024:
        raise UploadRejected("file_too_large", f"The file is larger than the {limit_mb} MB limit.", 413)


def _check_name(name):
    ext = os.path.splitext(name or "")[1].lower()
    if ext in BLOCKED_EXTENSIONS:
        raise UploadRejected(
            "unsupported_media_type",
            f"Files ending in {ext} are not accepted. Upload an MP4, MOV, WebM, AVI or MKV file.",
            415,
        )


def _read_head(upload):
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    return head


def _sha256(upload):
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _probe(upload, container):
    """Open the video the way the worker will, so a broken file is refused now, not minutes later; count
    its frames only within the budget (the worker finishes a count left unknown)."""
    path, cleanup = _local_path(upload, container)
    budget = video.Budget(frames=settings.DEEPTRACE_PROBE_MAX_FRAMES, seconds=settings.DEEPTRACE_PROBE_MAX_S)
    try:
        info = video.probe(path, max_duration_s=settings.DEEPTRACE_MAX_DURATION_S, budget=budget)
        video.check_duration(info, settings.DEEPTRACE_MAX_DURATION_S)
        video.check_resolution(info, settings.DEEPTRACE_MAX_VIDEO_SIDE)
        return info
    except (VideoTooLong, VideoTooLarge) as error:
        raise UploadRejected(error.code, str(error)) from None
    except VideoError as error:
        raise UploadRejected(error.code, str(error), 415 if error.code == "no_video_stream" else 400) from None
    finally:
        cleanup()


def _local_path(upload, container):
    """Large uploads are already on disk; small in-memory ones are written to a temp file to probe,
    named after what the content is (the user's name for it may say otherwise)."""
    if hasattr(upload, "temporary_file_path"):
        return upload.temporary_file_path(), lambda: None
    upload.seek(0)
    suffix = f".{container}"
    handle = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)
    with handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    upload.seek(0)
    return handle.name, lambda: os.unlink(handle.name)
