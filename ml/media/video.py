"""Probe a video and stream a few frames out of it, never holding the decoded video in memory.

Frames are reached by a sequential `grab()` pass, not by seeking: FaceForensics++ and most phone
clips carry a single key frame per several seconds, and OpenCV's seek decodes from the previous key
frame each time, so 20 seeks cost more than decoding the whole clip once. `grab()` decodes without
the colour conversion; only wanted frames are `retrieve()`d.

Headerless WebM (what a browser's MediaRecorder writes) reports no duration and a garbage frame count.
`probe` then counts frames with one `grab()` pass and fills `frame_count` and `duration_s` from that
count. The pass is bounded: it stops with VideoTooLong as soon as the count passes what `max_duration_s`
allows (at MAX_FPS) or a frame's time passes `max_duration_s`, and a caller that must answer quickly
(the upload check in a web request) gives it a `budget` of frames and seconds: when the budget runs out
first, `frame_count` and `duration_s` are None (unknown) and the worker, which probes without a budget,
counts and refuses there. Nothing in a request decodes a whole stream.

A frame is decoded into memory as width x height pixels; `check_resolution` refuses a video whose
frames are larger than a maximum side, from the header's size alone.

OpenCV applies the container's rotation metadata by default (CAP_PROP_ORIENTATION_AUTO), so frames
come out upright and `width`/`height` are the upright size; `rotation` is kept for display only.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ml.errors import (
    NoVideoStream,
    TruncatedVideo,
    UnreadableVideo,
    VideoTooLarge,
    VideoTooLong,
)
from ml.media import boxes, sparse_decode
from ml.results import VideoInfo

# A file that stops early is still analysed when at least this share of the wanted frames decoded:
# headers often overstate the count by a frame or two, and a nearly complete clip is worth a verdict.
MIN_DECODED_FRACTION = 0.8
# Above this many frames a header's count is treated as garbage (a day at 240 fps).
_MAX_SANE_FRAMES = 240 * 86_400
FALLBACK_FPS = 30.0  # for a header without a sane frame rate: what browsers record at

Frame = tuple[int, float, np.ndarray]  # (frame index, timestamp in seconds, RGB HxWx3 uint8)


# No real video has more frames a second than this: a count above max_duration_s * MAX_FPS is refused.
MAX_FPS = 240


@dataclass(frozen=True)
class Budget:
    """How much a bounded probe may spend counting frames: at most `frames` grabs and `seconds` of wall
    time. Past either, the count is left unknown (None) instead of finished."""

    frames: int
    seconds: float


def probe(path: str | os.PathLike, *, max_duration_s: float | None = None, budget: Budget | None = None) -> VideoInfo:
    """Describe the video at `path`; raise a VideoError subclass when it cannot be analysed.

    Without a frame count in the header, frames are counted by a grab() pass, bounded by
    `max_duration_s` (too long: VideoTooLong) and by `budget` (unknown length: None). The header's
    values are not checked against `max_duration_s` here: `check_duration` does that.
    """
    cap = _open(path)
    try:
        reported = _reported_fps(cap)
        fps = reported or FALLBACK_FPS
        # Where the container holds no frame count, OpenCV works one out from the duration and the
        # frame rate; a nonsense rate (1000 in some WebM) makes the count nonsense too (10,000 frames
        # for a 10 s clip, which then "lasts" 333 s): count the frames instead.
        frame_count = _header_frame_count(cap) if reported else None
        if frame_count is None:
            frame_count, duration = _count_frames(cap, fps, max_duration_s, budget)
        else:
            duration = frame_count / fps
        if frame_count == 0:
            raise UnreadableVideo("The video contains no frames that can be decoded.")
        return VideoInfo(
            path=str(path),
            duration_s=duration,
            fps=fps,
            width=int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            frame_count=frame_count,
            rotation=int(cap.get(cv2.CAP_PROP_ORIENTATION_META) or 0) % 360,
            codec=_fourcc(cap),
        )
    finally:
        cap.release()


def check_duration(info: VideoInfo, max_s: float | None) -> None:
    if max_s is not None and info.duration_s is not None and info.duration_s > max_s:
        raise VideoTooLong(
            f"The video lasts {info.duration_s:.0f} seconds; videos up to {max_s:.0f} seconds "
            "can be analysed."
        )


def check_resolution(info: VideoInfo, max_side: int | None) -> None:
    """Refuse frames larger than `max_side` pixels on either side (from the header: nothing decoded)."""
    if max_side is not None and max(info.width, info.height) > max_side:
        raise VideoTooLarge(
            f"The video's frames are {info.width}x{info.height} pixels; videos up to {max_side} pixels "
            f"on their longer side can be analysed. Please upload a smaller copy (4K or less)."
        )


def frame_indices(frame_count: int, n: int, mode: str = "spread") -> list[int]:
    """The indices `sample_frames` will decode: n evenly over the video, or the first n."""
    n = min(n, frame_count)
    if n <= 0:
        return []
    if mode == "first":
        return list(range(n))
    if mode != "spread":
        raise ValueError(f"Unknown sampling mode {mode!r}; use 'spread' or 'first'.")
    # Centre of each of n equal slices, so the first and last frames (often fades) are avoided.
    return sorted({int((i + 0.5) * frame_count / n) for i in range(n)})


def sample_frames(
    path: str | os.PathLike, n: int, mode: str = "spread", info: VideoInfo | None = None, threads: int = 0
) -> Iterator[Frame]:
    """Yield (index, timestamp_s, rgb) for the frames `frame_indices` picks, streaming, decoded by
    FFmpeg on `threads` threads (0: its own choice; the frames are the same either way).

    Raises TruncatedVideo (after yielding what it could) when the stream ends before
    MIN_DECODED_FRACTION of the wanted frames decoded. The "first" mode only needs the first n
    frames, so a file truncated after them is analysed without complaint.
    """
    info = info or probe(path)
    wanted = frame_indices(info.frame_count or 0, n, mode)
    decoded = 0
    for frame in _decoded_frames(path, wanted, info, threads):
        decoded += 1
        yield frame
    if decoded < len(wanted) and decoded < MIN_DECODED_FRACTION * len(wanted):
        raise TruncatedVideo(
            f"The video stops early: only {decoded} of the {len(wanted)} frames we needed could be "
            "decoded. The file may be incomplete or damaged; please upload it again."
        )


def _decoded_frames(path, wanted: list[int], info: VideoInfo, threads: int) -> Iterator[Frame]:
    """The wanted frames, from the decoder that skips unneeded frames where it applies, else OpenCV's."""
    skipping = sparse_decode.plan(path) if wanted else None
    if skipping is not None:
        yield from sparse_decode.frames(skipping, wanted, info.fps, info.rotation, threads)
        return
    yield from grab_frames(path, wanted, info.fps, threads)


def grab_frames(path, wanted: list[int], fps: float, threads: int = 0) -> Iterator[Frame]:
    """The wanted frames by OpenCV's sequential pass, every frame up to the last one decoded: the
    reference the skipping decoder matches, and its fallback."""
    cap = _open(path, threads)
    try:
        yield from _grab_frames(cap, wanted, fps)
    finally:
        cap.release()


def _grab_frames(cap: cv2.VideoCapture, wanted: list[int], fps: float) -> Iterator[Frame]:
    wanted_set, last = set(wanted), (wanted[-1] if wanted else -1)
    for index in range(last + 1):
        if not cap.grab():
            return
        if index in wanted_set:
            ok, bgr = cap.retrieve()
            if not ok:
                return
            yield index, _timestamp(cap, index, fps), cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _open(path: str | os.PathLike, threads: int = 0) -> cv2.VideoCapture:
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise UnreadableVideo("The file is empty or missing, so it cannot be analysed as a video.")
    if threads:
        cap = cv2.VideoCapture(str(path), cv2.CAP_ANY, [cv2.CAP_PROP_N_THREADS, threads])
    else:
        cap = cv2.VideoCapture(str(path))
    if cap.isOpened():
        if cap.get(cv2.CAP_PROP_FRAME_WIDTH) <= 0:
            cap.release()
            raise NoVideoStream("The file holds no video track (it may be audio only).")
        return cap
    cap.release()
    # Why OpenCV could not open it, from the MP4/MOV box structure (None for other containers): OpenCV
    # writes the index (moov) at the end, so a cut copy does not even open; a last box claiming more bytes
    # than the file has tells it apart from a file that was never a video.
    structure = boxes.read_structure(path)
    if structure is not None and structure.truncated:
        raise TruncatedVideo(
            "The video file is incomplete (it was cut off before its end), so it cannot be read. "
            "Please upload it again."
        )
    if structure is not None and structure.has_video_track() is False:
        raise NoVideoStream("The file holds no video track (it may be audio only).")
    raise UnreadableVideo("The file is not a video we can read, or it is damaged.")


def _reported_fps(cap: cv2.VideoCapture) -> float | None:
    """The header's frame rate, or None where it is not one (some WebM and VFR files report 0 or 1000)."""
    fps = cap.get(cv2.CAP_PROP_FPS)
    return fps if math.isfinite(fps) and 0 < fps <= 240 else None


def _header_frame_count(cap: cv2.VideoCapture) -> int | None:
    count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
    if not math.isfinite(count) or count <= 0 or count > _MAX_SANE_FRAMES:
        return None
    return int(count)


def _count_frames(cap: cv2.VideoCapture, fps: float, max_duration_s: float | None = None,
                  budget: Budget | None = None) -> tuple[int | None, float | None]:
    """Count frames with a grab() pass; duration from the last frame's timestamp when it has one.

    Stops early: VideoTooLong once the count or a timestamp passes `max_duration_s`; (None, None) once
    `budget` is spent with frames still coming (the length is then unknown, not wrong)."""
    max_frames = int(max_duration_s * MAX_FPS) if max_duration_s is not None else None
    deadline = time.monotonic() + budget.seconds if budget is not None else None
    count, last_ms = 0, 0.0
    while cap.grab():
        count += 1
        last_ms = cap.get(cv2.CAP_PROP_POS_MSEC)
        if max_frames is not None and count > max_frames:
            raise VideoTooLong(
                f"The video has more than {max_frames} frames, more than {max_duration_s:.0f} seconds hold "
                f"even at {MAX_FPS} frames a second; videos up to {max_duration_s:.0f} seconds can be analysed."
            )
        if max_duration_s is not None and math.isfinite(last_ms) and last_ms / 1000 > max_duration_s:
            raise VideoTooLong(
                f"The video lasts more than {max_duration_s:.0f} seconds; videos up to {max_duration_s:.0f} "
                "seconds can be analysed."
            )
        if budget is not None and (count > budget.frames or time.monotonic() > deadline):
            return None, None
    by_count = count / fps
    by_time = last_ms / 1000 + 1 / fps if last_ms > 0 else 0.0
    return count, by_time if by_time > 0 else by_count


def _timestamp(cap: cv2.VideoCapture, index: int, fps: float) -> float:
    ms = cap.get(cv2.CAP_PROP_POS_MSEC)
    return ms / 1000 if math.isfinite(ms) and (ms > 0 or index == 0) else index / fps


def _fourcc(cap: cv2.VideoCapture) -> str:
    code = int(cap.get(cv2.CAP_PROP_FOURCC))
    text = "".join(chr((code >> 8 * i) & 0xFF) for i in range(4))
    return text.strip("\x00 ").lower() if text.isprintable() else ""
