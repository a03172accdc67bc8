"""Fetch a published model from a URL, verified before it is kept.

For users whose published models are not in a local folder: `install_model --url URL --sha256 HEX`
(or DEEPTRACE_MODEL_URL / DEEPTRACE_MODEL_SHA256 for `make run`). The bytes go to a temporary file beside
the destination and are hashed as they arrive; only a complete file with the expected digest is
renamed into place, so a wrong, truncated or oversized download leaves nothing behind.
"""

import hashlib
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests

from ml.errors import CheckpointError

CHUNK = 1 << 20
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def download_checkpoint(url, sha256, to_dir, *, max_bytes, timeout_s=30):
    """Download `url` into `to_dir` and return the file's path, or raise CheckpointError with a sentence.

    The digest is required: a model is code that runs on every upload, so it is never kept unverified."""
    expected = (sha256 or "").strip().lower()
    if not SHA256.match(expected):
        raise CheckpointError("Give the model's SHA-256 (64 hex digits) with --sha256: a downloaded model is "
                              "installed only when its digest matches.")
    if urlsplit(url).scheme not in ("http", "https"):
        raise CheckpointError(f"{url} is not an http(s) URL.")
    to_dir = Path(to_dir)
    to_dir.mkdir(parents=True, exist_ok=True)
    target = to_dir / f"{_stem(url)}-{expected[:12]}.pt"
    if target.is_file() and _stored_digest(target) == expected:
        return target  # downloaded before: nothing to fetch
    part = _fetch(url, to_dir, expected, max_bytes, timeout_s)
    os.replace(part, target)
    return target


def _fetch(url, to_dir, expected, max_bytes, timeout_s):
    """A temporary file holding the verified download; removed on any failure."""
    handle, part = tempfile.mkstemp(prefix=".download-", suffix=".part", dir=to_dir)
    try:
        with os.fdopen(handle, "wb") as out:
            digest = _stream(url, out, max_bytes, timeout_s)
        if digest != expected:
            raise CheckpointError(f"The model at {url} has SHA-256 {digest}, not the expected {expected}: it was "
                                  "changed or damaged; refusing to install it.")
        return part
    except BaseException:
        os.unlink(part)
        raise


def _stream(url, out, max_bytes, timeout_s):
    try:
        with requests.get(url, stream=True, timeout=timeout_s) as response:
            if response.status_code != 200:
                raise CheckpointError(f"Could not download {url}: the server answered {response.status_code}.")
            declared = _declared_length(response)
            if declared is not None and declared > max_bytes:
                raise CheckpointError(f"The model at {url} is {declared} bytes, over the {max_bytes} allowed.")
            digest, received = hashlib.sha256(), 0
            for chunk in response.iter_content(CHUNK):
                received += len(chunk)
                if received > max_bytes:
                    raise CheckpointError(f"The model at {url} is over the {max_bytes} bytes allowed.")
                digest.update(chunk)
                out.write(chunk)
    except requests.RequestException as error:
        # A connection cut before the declared length ends here too (urllib3's IncompleteRead).
        raise CheckpointError(f"The download of {url} failed or was cut short ({type(error).__name__}); "
                              "nothing was installed.") from None
    if declared is not None and received != declared:
        raise CheckpointError(f"The download of {url} was cut short: {received} of {declared} bytes; "
                              "nothing was installed.")
    return digest.hexdigest()


def _declared_length(response):
    # Content-Length counts the encoded body; with a content coding we can only check the digest.
    if response.headers.get("Content-Encoding", "identity") != "identity":
        return None
    value = response.headers.get("Content-Length")
    return int(value) if value and value.isdigit() else None


def _stem(url):
    name = Path(unquote(urlsplit(url).path)).stem
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")[:60] or "model"


def _stored_digest(path):
    # Imported here: ml.model pulls in torch, which only installing a model needs.
    from ml.model.checkpoint import file_sha256

    return file_sha256(path)
