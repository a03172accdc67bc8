"""The worker's download of a video link: redirects followed by hand, each hop checked by
detector.link_targets and connected to the address that was checked (so DNS rebinding cannot switch it),
the body streamed to a file and cut off past the upload limit, a web page refused with a sentence.

No Django models here: detector.link_videos stores what this fetched.
"""

import time
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

import certifi
import urllib3

from ml.errors import VideoError

from .link_targets import LinkRefused, check_link

CHUNK = 1 << 16
MAX_REDIRECTS = 5
REDIRECTS = {301, 302, 303, 307, 308}
PAGE_TYPES = ("text/html", "application/xhtml+xml")
USER_AGENT = "DeepTrace video check (+https://github.com/deeptrace)"


class LinkFailed(VideoError):
    """The link could not be downloaded as a video; the message says why."""

    code = "link_failed"


class LinkTooLarge(LinkFailed):
    code = "file_too_large"


class LinkIsAPage(LinkFailed):
    code = "link_not_a_video"


class LinkNotAllowed(LinkFailed):
    code = "link_refused"


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    timeout_s: float  # the whole download, redirects included


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    name: str  # a file name for display, from the final URL
    size: int


def fetch(url, out, limits, progress=lambda fraction: None):
    """Download `url` into the binary file `out`; a Fetched, or LinkFailed with a sentence."""
    deadline = time.monotonic() + limits.timeout_s
    for _ in range(MAX_REDIRECTS + 1):
        response, host = _get(url, deadline)
        try:
            if response.status in REDIRECTS and response.headers.get("Location"):
                url = urljoin(url, response.headers["Location"])
                continue
            _check_answer(response, host, limits)
            size = _stream(response, out, limits, deadline, progress)
            return Fetched(url=url, name=name_of(url), size=size)
        finally:
            response.release_conn()
    raise LinkFailed(f"The link redirected more than {MAX_REDIRECTS} times; paste the video's own address.")


def _get(url, deadline):
    try:
        target = check_link(url)
    except LinkRefused as refusal:
        raise LinkNotAllowed(str(refusal)) from None
    pool = _pool(target, timeout=min(30.0, max(1.0, deadline - time.monotonic())))
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Host": target.host_header, "User-Agent": USER_AGENT, "Accept": "video/*, */*;q=0.5"}
    try:
        response = pool.urlopen("GET", path, headers=headers, redirect=False, retries=False, preload_content=False,
                                assert_same_host=False)
        return response, target.host
    except urllib3.exceptions.HTTPError as error:
        raise LinkFailed(f"The video could not be downloaded from {target.host} ({_reason(error)}).") from None


def _pool(target, timeout):
    """A connection to the checked address, speaking to the host by name (Host header, TLS name)."""
    options = {"port": target.port, "timeout": urllib3.Timeout(connect=10.0, read=timeout), "maxsize": 1}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(target.address, server_hostname=target.host, assert_hostname=target.host,
                                           cert_reqs="CERT_REQUIRED", ca_certs=certifi.where(), **options)
    return urllib3.HTTPConnectionPool(target.address, **options)


def _check_answer(response, host, limits):
    if response.status != 200:
        raise LinkFailed(f"The link could not be downloaded: {host} answered HTTP {response.status}.")
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind in PAGE_TYPES:
        raise LinkIsAPage("The link leads to a web page, not a video file. Paste the address of the video file "
                          "itself (one ending in .mp4, .webm, .mov, ...); pages of video sites are not supported.")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise LinkTooLarge(_too_large(limits))


def _stream(response, out, limits, deadline, progress):
    declared = response.headers.get("Content-Length", "")
    total = int(declared) if declared.isdigit() else None
    received = 0
    try:
        for chunk in response.stream(CHUNK, decode_content=True):
            received += len(chunk)
            if received > limits.max_bytes:  # stop reading: the rest is never fetched
                raise LinkTooLarge(_too_large(limits))
            if time.monotonic() > deadline:
                raise LinkFailed(f"The download took longer than {limits.timeout_s:.0f} s and was stopped.")
            out.write(chunk)
            if total:
                progress(received / total)
    except urllib3.exceptions.HTTPError as error:
        raise LinkFailed(f"The download was cut short ({_reason(error)}). You can retry it.") from None
    if total is not None and received < total:
        raise LinkFailed(f"The download was cut short: {received} of {total} bytes arrived. You can retry it.")
    if received == 0:
        raise LinkFailed("The link gave an empty file.")
    return received


def _too_large(limits):
    return f"The video at the link is larger than the {limits.max_bytes // (1024 * 1024)} MB limit; it was not downloaded."


def _reason(error):
    return type(getattr(error, "reason", None) or error).__name__


def name_of(url):
    """A file name to show for a link: the last part of its path, else its host."""
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    return (name or urlsplit(url).hostname or "video")[:200]
