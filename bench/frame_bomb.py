"""How long the upload check and the worker take on a "frame bomb": a headerless WebM (no duration, no
frame count, as MediaRecorder writes) of tiny 16x16 frames 1 ms apart.

    .venv/bin/python bench/frame_bomb.py [--frames 4320000]

Makes the bomb with the ffmpeg program (10 s of frames encoded once, copied over and over: ~10 s for
the default 4.32 million frames, 100 MB), then times, as the site runs them:
- the upload check (`detector.uploads.check_upload`, inside a web request): bounded by
  DEEPTRACE_PROBE_MAX_FRAMES / DEEPTRACE_PROBE_MAX_S, it leaves the length unknown;
- the worker's probe (`ml.media.video.probe` with DEEPTRACE_MAX_DURATION_S): counts until the count
  passes what the limit allows at 240 frames a second, and refuses with a sentence;
- with --unbounded, the old unbounded count too (the whole stream, as the upload check did before).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deepfake_site.settings_test")

from tests.web.corpus import make_frame_bomb  # noqa: E402  (the same bomb the test uploads)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=4_320_000)
    parser.add_argument("--unbounded", action="store_true", help="also time the old, unbounded count")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from detector.uploads import check_upload
    from ml.errors import VideoTooLong
    from ml.media import video

    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        bomb = make_frame_bomb(Path(tmp), args.frames)
        print(f"bomb: {args.frames} frames of 16x16, {bomb.stat().st_size / 1e6:.0f} MB, made in "
              f"{time.monotonic() - started:.1f} s")
        upload = TemporaryUploadedFile("bomb.webm", "video/webm", bomb.stat().st_size, None)
        upload.write(bomb.read_bytes())
        upload.flush()
        started = time.monotonic()
        checked = check_upload(upload)
        print(f"upload check: {time.monotonic() - started:.2f} s (accepted, duration "
              f"{checked.info.duration_s}: left to the worker)")
        started = time.monotonic()
        try:
            video.probe(bomb, max_duration_s=settings.DEEPTRACE_MAX_DURATION_S)
            print("worker: accepted")
        except VideoTooLong as error:
            print(f"worker refusal: {time.monotonic() - started:.2f} s: {error}")
        if args.unbounded:
            started = time.monotonic()
            info = video.probe(bomb)
            print(f"unbounded count (the old upload check): {time.monotonic() - started:.1f} s, "
                  f"{info.frame_count} frames")


if __name__ == "__main__":
    main()
