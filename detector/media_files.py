"""Stored media (uploads, crops, heatmaps) read through Django's storage API, whichever storage holds
them: the local disk (MEDIA_ROOT) or an S3-compatible bucket (DEEPTRACE_STORAGE=s3).

Only `local_copy` hands out a path, because ml/ takes paths: on the local disk it is the stored file
itself, read in place; on S3 a private temporary copy, deleted when the block ends. Everything else
streams: a video is read in ranged GETs as it goes out, never downloaded whole first.
"""

import os
import shutil
import tempfile
from contextlib import contextmanager, suppress
from pathlib import PurePosixPath

CHUNK = 1024 * 1024


def open_stream(field, start=0, end=None):
    """A readable binary stream of the stored file from byte `start` to `end` (inclusive; None: to the
    end). Raises FileNotFoundError when the file is gone (purged, or never stored)."""
    if not field:
        raise FileNotFoundError("No file is stored.")
    stored = field.storage.open(field.name, "rb")  # S3: a HEAD only, FileNotFoundError when absent
    obj = getattr(stored, "obj", None)
    if obj is None:  # the local disk: a real file
        stored.seek(start)
        return stored
    span = f"bytes={start}-{'' if end is None else end}"
    return obj.get(Range=span)["Body"]  # botocore's StreamingBody: read(n), close()


def read(field):
    """The whole stored file as bytes (for small files: crops, heatmaps)."""
    with open_stream(field) as stream:
        return stream.read()


@contextmanager
def local_copy(field):
    """A local path to the stored file for as long as the block runs (ml/ takes paths)."""
    try:
        path = field.storage.path(field.name)
    except NotImplementedError:  # an object store: no local path
        path = None
    if path is not None:
        yield path
        return
    handle, path = tempfile.mkstemp(prefix="deeptrace-", suffix=PurePosixPath(field.name).suffix)  # mode 0600
    try:
        with os.fdopen(handle, "wb") as out, open_stream(field) as stream:
            shutil.copyfileobj(stream, out, CHUNK)
        yield path
    finally:
        with suppress(FileNotFoundError):
            os.unlink(path)
