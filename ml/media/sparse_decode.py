"""Decode only the frames wanted and the frames they depend on (PyAV's FFmpeg), not every frame.

`ml.media.video`'s OpenCV pass decodes every frame up to the last wanted one: 300 frames of a 10-second clip
for the 20 that are analysed. Most frames of an H.264 clip are B-frames, and most of those are
non-reference: no other frame is predicted from them. FFmpeg can drop such a frame without decoding
it (`skip_frame=NONREF`) and every other frame still decodes to the same pixels. Each packet's
presentation time is known before it goes to the decoder, so a packet is sent with NONREF unless its
frame is one we want: on the shared sample half the frames are never decoded and decoding costs 40-60 %
less CPU (`bench/decode.py`).

Frame indices follow OpenCV's pass: the rank of a frame's presentation time among the stream's frames
(packets the container marks for discarding, e.g. by an edit list, are decoded but never shown, so
they have no index). One pass over the container's packets, without decoding, ranks them first.
The frames are the ones OpenCV gives: same indices, timestamps, pixels (both convert with FFmpeg's
swscale) and rotation (tests/ml/test_sparse_decode.py, on generated clips and the shared sample).
`plan` returns None where that cannot be promised (no timestamps, a container PyAV cannot read) and the
caller then uses OpenCV.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import av
import cv2
import numpy as np

# Pixel formats whose RGB conversion was checked against OpenCV's, byte for byte (the tests). Others
# (10-bit HDR, paletted, Bayer) go through OpenCV, whose conversion is the reference.
CHECKED_PIXEL_FORMATS = {"yuv420p", "yuvj420p", "yuv422p", "yuv444p"}
# What OpenCV does to a frame for the container's rotation metadata (CAP_PROP_ORIENTATION_AUTO).
_UPRIGHT = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


@dataclass(frozen=True)
class Plan:
    path: str
    presentation_times: list[int]  # every shown frame's pts, sorted: a frame's index is its rank
    time_base: float  # seconds per pts unit
    start_time: int  # the stream's first pts (OpenCV's timestamps count from it)


def plan(path: str | os.PathLike) -> Plan | None:
    """Rank the frames of the video's first video stream by presentation time, reading packets only;
    None when this decoder should not be used for it."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            if stream.codec_context.pix_fmt not in CHECKED_PIXEL_FORMATS or stream.time_base is None:
                return None
            times = []
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue  # the demuxer's end-of-stream marker
                if packet.pts is None:
                    return None  # no way to know which frame a packet holds before decoding it
                if not packet.is_discard:
                    times.append(packet.pts)
            start = stream.start_time if stream.start_time is not None else (min(times) if times else 0)
            return Plan(str(path), sorted(times), float(stream.time_base), start)
    except (av.FFmpegError, UnicodeDecodeError):
        return None


def frames(plan: Plan, wanted: list[int], fps: float, rotation: int = 0, threads: int = 0
           ) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yield (index, timestamp_s, RGB) for the `wanted` indices, in order, as OpenCV's pass would.
    Stops early (yielding fewer) when the stream ends or breaks before the last wanted frame."""
    index_of = {plan.presentation_times[i]: i for i in wanted if i < len(plan.presentation_times)}
    if not index_of:
        return
    with av.open(plan.path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "FRAME" if threads != 1 else "NONE"
        stream.thread_count = threads
        codec = stream.codec_context
        remaining = len(index_of)
        size = None  # (width, height) of the first frame: OpenCV gives every frame that size
        for packet in _packets(container, stream):
            # Read per packet, also by frame threads (FFmpeg copies it into each thread's context).
            codec.skip_frame = "DEFAULT" if packet is None or packet.pts in index_of else "NONREF"
            for frame in _decoded(codec, packet):
                size = size or (frame.width, frame.height)
                index = index_of.get(frame.pts)
                if index is None:
                    continue
                yield index, _timestamp(plan, frame.pts, index, fps), _upright(_rgb(frame, size), rotation)
                remaining -= 1
                if remaining == 0:
                    return


def _packets(container, stream) -> Iterator:
    """The stream's packets, then None to drain the decoder; a damaged tail ends the stream there."""
    try:
        for packet in container.demux(stream):
            if packet.size:
                yield packet
    except av.FFmpegError:
        pass
    yield None


def _decoded(codec, packet) -> list:
    """The frames a packet completes; a packet the decoder rejects is passed over, as OpenCV does."""
    try:
        return codec.decode(packet)
    except av.InvalidDataError:
        return []


def _timestamp(plan: Plan, pts: int, index: int, fps: float) -> float:
    """OpenCV's CAP_PROP_POS_MSEC for the frame (from the stream's start), as ml.media.video reads it."""
    seconds = (pts - plan.start_time) * plan.time_base
    return seconds if seconds > 0 or index == 0 else index / fps


def _rgb(frame, size: tuple[int, int]) -> np.ndarray:
    """The frame in RGB at `size`. A stream whose resolution changes midway (a browser recording of
    an adaptive stream, a phone turned while filming) has frames of another size; OpenCV scales them
    to the first frame's, and so does this, with a bicubic swscale (within a few levels of OpenCV's
    pixels, docs/speed.md), so one video's frames share one size (face detection batches them, and
    tracks follow boxes from frame to frame)."""
    if (frame.width, frame.height) == size:
        return frame.to_ndarray(format="rgb24")
    return frame.to_ndarray(format="rgb24", width=size[0], height=size[1], interpolation="BICUBIC")


def _upright(rgb: np.ndarray, rotation: int) -> np.ndarray:
    code = _UPRIGHT.get(rotation % 360)
    return rgb if code is None else cv2.rotate(rgb, code)
