"""Decoding the sampled frames: the skipping decoder (ml/media/sparse_decode.py) against OpenCV's full pass.

    .venv/bin/python bench/decode.py [--clips 24] [--frames 20] [--threads 1] [--all] [--verify]

For each clip of the shared sample (mixing 480p, 720p and 1080p; --all: every clip), both decoders
fetch the same frames in turn, in the same run: OpenCV's sequential grab() pass (the baseline, every
frame up to the last wanted one) and the decoder that skips non-reference frames. Prints per-height
and overall CPU seconds and wall seconds per clip, the ratio skipping / full, and with --verify checks
that every frame is the same (index, timestamp, pixels).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sample import mixed_clips, sample_rows  # bench/, beside this script


def opencv_pass(path, wanted, info, threads):
    from ml.media.video import grab_frames

    return list(grab_frames(path, wanted, info.fps, threads))


def skipping_pass(path, wanted, info, threads):
    from ml.media import sparse_decode

    return list(sparse_decode.frames(sparse_decode.plan(path), wanted, info.fps, info.rotation, threads))


def measured(run, *args) -> tuple[list, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    frames = run(*args)
    return frames, time.process_time() - cpu, time.perf_counter() - wall


def same(a: list, b: list) -> bool:
    import numpy as np

    return [(i, round(t, 6)) for i, t, _ in a] == [(i, round(t, 6)) for i, t, _ in b] and all(
        np.array_equal(x, y) for (_, _, x), (_, _, y) in zip(a, b))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=24)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="decoding threads (0: FFmpeg's choice)")
    parser.add_argument("--all", action="store_true", help="every clip of the sample")
    parser.add_argument("--verify", action="store_true", help="check the frames are identical")
    args = parser.parse_args(argv)

    from ml.media.video import frame_indices, probe

    clips = [p for p, _ in sample_rows()] if args.all else mixed_clips()[: args.clips]
    rows, mismatches = [], []
    for path in clips:
        info = probe(path)
        wanted = frame_indices(info.frame_count, args.frames)
        full, full_cpu, full_wall = measured(opencv_pass, path, wanted, info, args.threads)
        skip, skip_cpu, skip_wall = measured(skipping_pass, path, wanted, info, args.threads)
        if args.verify and not same(full, skip):
            mismatches.append(str(path))
        rows.append({"height": info.height, "full_cpu": full_cpu, "skip_cpu": skip_cpu,
                     "full_wall": full_wall, "skip_wall": skip_wall})
    for height in sorted({r["height"] for r in rows}) + ["all"]:
        group = [r for r in rows if height == "all" or r["height"] == height]
        summary = {k: round(statistics.mean(r[k] for r in group), 3) for k in ("full_cpu", "skip_cpu",
                                                                                 "full_wall", "skip_wall")}
        ratios = [r["skip_cpu"] / r["full_cpu"] for r in group]
        print(json.dumps({"height": height, "clips": len(group), **summary,
                          "cpu_skip/full": round(sum(r["skip_cpu"] for r in group) / sum(r["full_cpu"] for r in group), 3),
                          "cpu_ratio_min": round(min(ratios), 2), "cpu_ratio_max": round(max(ratios), 2)}))
    if args.verify:
        print(f"identical frames: {len(clips) - len(mismatches)} of {len(clips)} clips", *mismatches, sep="\n")
    print(f"{args.frames} frames a clip, {args.threads} decoding thread(s) (0: FFmpeg's choice)")


if __name__ == "__main__":
    main()
