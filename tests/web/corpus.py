"""A corpus of awkward uploads, generated: broken files, non-videos in disguise and valid but odd videos.

`make_corpus(root)` writes each and returns {kind: (path, name to upload it as)}. Needs the ffmpeg
program for some kinds; those it cannot make are left out (see `ffmpeg_can`).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

from tests import media


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *map(str, args)], check=True)


def ffmpeg_can(encoder: str) -> bool:
    if not shutil.which("ffmpeg"):
        return False
    listed = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
    return f" {encoder} " in listed


def _image(path, fmt, **kw):
    Image.fromarray(np.full((48, 64, 3), 128, np.uint8)).save(path, fmt, **kw)
    return path


def _truncated(src, dst, keep=0.5):
    return media.make_truncated_copy(src, dst, keep)


def make_corpus(root: Path) -> dict[str, tuple[Path, str]]:
    root.mkdir(parents=True, exist_ok=True)
    face = media.make_face_clip(root / "face.mp4", seconds=1.0)
    c = {
        "zero_byte": (root / "empty.mp4", "empty.mp4"),
        "text_renamed": (media.make_text_file(root / "notes.mp4"), "notes.mp4"),
        "gif_renamed": (_image(root / "anim.gif", "GIF"), "anim.mp4"),
        "png_renamed": (_image(root / "still.png", "PNG"), "still.mov"),
        "truncated_without_index": (_truncated(face, root / "cut.mp4"), "cut.mp4"),
        "wrong_extension": (face, "clip.exe"),
        "polyglot_header": (root / "polyglot.mp4", "polyglot.mp4"),
        "one_pixel": (media.make_tiny_clip(root / "dot.avi"), "dot.avi"),
        "single_frame": (media.make_face_clip(root / "one.mp4", seconds=0.1, fps=10), "one.mp4"),
        "fifth_of_a_second": (media.make_face_clip(root / "short.mp4", seconds=0.2, fps=30), "short.mp4"),
        "avi_mjpeg": (media.make_face_clip(root / "face.avi", seconds=1.0, codec="MJPG"), "face.avi"),
        "path_traversal_name": (face, "../../../etc/passwd.mp4"),
        "unicode_name": (face, "интервью 🎥 ‮4pm.exe.mp4"),
    }
    (root / "empty.mp4").write_bytes(b"")
    # An MP4 signature followed by a web page: the sniffer says MP4, the decoder finds no video.
    (root / "polyglot.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
                                        + b"<html><script>alert(1)</script></html>" * 50)
    if shutil.which("ffmpeg"):
        c.update(_ffmpeg_kinds(root, face))
    return c


def _ffmpeg_kinds(root: Path, face: Path) -> dict[str, tuple[Path, str]]:
    c = {}
    fast = root / "faststart.mp4"
    ffmpeg("-i", face, "-c", "copy", "-movflags", "+faststart", fast)
    c["truncated_with_index"] = (_truncated(fast, root / "cut_indexed.mp4"), "cut_indexed.mp4")
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", root / "voice.mp4")
    c["audio_only"] = (root / "voice.mp4", "voice.mp4")
    ffmpeg("-i", face, "-c", "copy", root / "face.mkv")
    c["mkv"] = (root / "face.mkv", "face.mkv")
    # Stored sideways, with the container's rotation tag that turns it upright (as phones record):
    # the face is found only if the decoder applies the tag.
    ffmpeg("-i", face, "-vf", "transpose=1", "-c:v", "mpeg4", "-q:v", "3", root / "sideways.mp4")
    ffmpeg("-i", root / "sideways.mp4", "-c", "copy", "-metadata:s:v:0", "rotate=90", root / "rotated.mp4")
    c["rotated"] = (root / "rotated.mp4", "rotated.mp4")
    # Variable frame rate: frames at irregular times (every 1st and 3rd of each 3 dropped).
    ffmpeg("-i", face, "-vf", "select='not(mod(n\\,3))+eq(mod(n\\,3)\\,1)*gt(n\\,5)',setpts=N/TB/7+0.01*random(0)",
           "-fps_mode", "vfr", "-c:v", "mpeg4", root / "vfr.mp4")
    c["variable_frame_rate"] = (root / "vfr.mp4", "vfr.mp4")
    ffmpeg("-i", face, "-vf", "scale=3840:2160", "-t", "0.5", "-c:v", "mpeg4", "-q:v", "10", root / "uhd.mp4")
    c["4k"] = (root / "uhd.mp4", "uhd.mp4")
    if media.can_write_webm():
        c["webm_without_duration"] = (media.make_webm_clip(root / "live.webm", seconds=1.0), "live.webm")
    if ffmpeg_can("libx265"):
        ffmpeg("-i", face, "-c:v", "libx265", "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=error",
               "-tag:v", "hvc1", root / "hevc10.mp4")
        c["hevc_10_bit"] = (root / "hevc10.mp4", "hevc10.mp4")
    return c


def make_frame_bomb(root: Path, frames: int) -> Path:
    """A live (headerless) WebM of `frames` 16x16 frames at 1000 fps, as MediaRecorder writes it: no
    duration and no frame count, so only counting every frame tells its length. 10 s are encoded once
    and copied (rounded to 10,000 frames); ~1.5 s for 500,000 frames."""
    segment, bomb = root / "segment.webm", root / "bomb.webm"
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=16x16:r=1000", "-t", "10", "-c:v", "libvpx", "-deadline",
           "realtime", "-cpu-used", "8", "-b:v", "10k", "-g", "100000", "-f", "webm", str(segment))
    with bomb.open("wb") as out:
        subprocess.run(["ffmpeg", "-v", "error", "-stream_loop", str(max(1, frames // 10_000) - 1), "-i", str(segment),
                        "-c", "copy", "-live", "1", "-f", "webm", "-"], stdout=out, check=True)
    return bomb
