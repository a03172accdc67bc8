"""Generated test media, shared by every test suite in the project.

Pure helpers: each writes a small clip with OpenCV and returns its path. The face is scikit-image's
astronaut (MTCNN finds it with p > 0.99), so no test depends on data outside the repository.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

BACKGROUND = (90, 110, 100)  # BGR; plain, so nothing but the astronaut looks like a face


@lru_cache(maxsize=1)
def _portrait() -> np.ndarray:
    """Head and shoulders of the astronaut (BGR, 300x300): her face is about a third of the tile."""
    from skimage import data

    return cv2.cvtColor(data.astronaut()[0:300, 80:380], cv2.COLOR_RGB2BGR)


def _write(path: Path, frames, fps: float, size: tuple[int, int], codec: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), fps, size)
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {codec!r} video to {path}.")
    try:
        for frame in frames:
            writer.write(frame)
    finally:
        writer.release()
    return path


def _face_frame(t: float, size: tuple[int, int], faces: int) -> np.ndarray:
    """One frame at phase t in [0, 1): each face drifts right and grows by ~10%."""
    w, h = size
    frame = np.empty((h, w, 3), np.uint8)
    frame[:] = BACKGROUND
    slot_w = w // faces
    side = int(min(h, slot_w) * (0.8 + 0.1 * t))
    tile = cv2.resize(_portrait(), (side, side), interpolation=cv2.INTER_AREA)
    for k in range(faces):
        x = k * slot_w + int((slot_w - side) * (0.2 + 0.6 * t))
        y = (h - side) // 2
        frame[y : y + side, x : x + side] = tile
    return frame


def _face_frames(n: int, size, faces: int):
    return (_face_frame(i / max(n, 1), size, faces) for i in range(n))


def make_face_clip(path, seconds=2.0, fps=10, size=(320, 240), faces=1, codec="mp4v") -> Path:
    """A clip of 1 or 2 (side by side) astronaut faces that move and scale slightly."""
    n = max(1, round(seconds * fps))
    return _write(path, _face_frames(n, size, faces), fps, size, codec)


def make_no_face_clip(path, seconds=1.0, fps=10, size=(320, 240)) -> Path:
    """Coloured shapes moving over a plain background: no face anywhere."""
    w, h = size
    n = max(1, round(seconds * fps))

    def frames():
        for i in range(n):
            frame = np.empty((h, w, 3), np.uint8)
            frame[:] = BACKGROUND
            x = int(w * (0.1 + 0.6 * i / n))
            cv2.rectangle(frame, (x, h // 4), (x + w // 5, h // 2), (0, 0, 220), -1)
            cv2.circle(frame, (w - x, 3 * h // 4), h // 8, (220, 160, 0), -1)
            yield frame

    return _write(path, frames(), fps, size, "mp4v")


def make_truncated_copy(src, dst, keep_fraction=0.5) -> Path:
    """A byte-truncated copy of `src`, as an interrupted upload leaves it."""
    data = Path(src).read_bytes()
    dst = Path(dst)
    dst.write_bytes(data[: int(len(data) * keep_fraction)])
    return dst


def make_text_file(path) -> Path:
    """A text file with a video extension."""
    path = Path(path)
    path.write_text("These are meeting notes, not a video.\n" * 20)
    return path


def make_long_clip(path, seconds, fps=5, size=(160, 120)) -> Path:
    """A long, small clip of the moving astronaut for memory tests (10 min writes in ~10 s)."""
    n = max(1, round(seconds * fps))
    cycle = [_face_frame(i / 50, size, 1) for i in range(50)]  # re-used: keeps writing cheap
    return _write(path, (cycle[i % 50] for i in range(n)), fps, size, "mp4v")


def can_write_webm(headerless: bool = True) -> bool:
    """Whether `make_webm_clip` works here (headerless WebM needs the ffmpeg program)."""
    return _opencv_writes("VP80") and (not headerless or shutil.which("ffmpeg") is not None)


def make_webm_clip(path, seconds=2.0, fps=10, size=(320, 240), faces=1, headerless=True) -> Path:
    """A VP8 WebM face clip. `headerless` makes it like a browser's MediaRecorder output: no
    duration and no cues, so OpenCV reports a garbage frame count and cannot seek."""
    path = Path(path)
    if not headerless:
        return make_face_clip(path, seconds, fps, size, faces, codec="VP80")
    full = make_face_clip(path.with_suffix(".full.webm"), seconds, fps, size, faces, codec="VP80")
    # `-live 1` to a pipe writes a streaming WebM, exactly the layout MediaRecorder produces.
    with path.open("wb") as out:
        subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(full), "-c", "copy", "-live", "1", "-f", "webm", "-"],
            stdout=out, check=True,
        )
    full.unlink()
    return path


@lru_cache(maxsize=None)
def _opencv_writes(codec: str) -> bool:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.webm"
        writer = cv2.VideoWriter(str(probe), cv2.VideoWriter_fourcc(*codec), 10, (32, 32))
        ok = writer.isOpened()
        writer.release()
    return ok


def make_tiny_clip(path, size=(1, 1), frames=10, fps=10) -> Path:
    """A clip of a few pixels (MJPG in AVI: OpenCV's MPEG-4 writer refuses 1x1); nothing to detect."""
    w, h = size
    return _write(path, (np.full((h, w, 3), 120, np.uint8) for _ in range(frames)), fps, size, "MJPG")


def make_resolution_change_clip(path, sizes=((320, 240), (480, 360)), frames_each=10, fps=10) -> Path:
    """A face clip whose resolution changes midway (as a browser recording of an adaptive stream can):
    MPEG-TS segments of one MPEG-4 stream at each size, one after the other, as one file."""
    import io

    import av

    path = Path(path)
    with path.open("wb") as out:
        for k, size in enumerate(sizes):
            segment = io.BytesIO()
            with av.open(segment, "w", format="mpegts") as container:
                stream = container.add_stream("mpeg4", rate=fps)
                stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
                for i, frame in enumerate(_face_frames(frames_each, size, 1)):
                    picture = av.VideoFrame.from_ndarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), format="rgb24")
                    picture.pts = k * frames_each + i  # the time goes on across segments
                    container.mux(stream.encode(picture))
                container.mux(stream.encode())
            out.write(segment.getvalue())
    return path
