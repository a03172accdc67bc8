"""Time the analysis pipeline on real clips, with a random detector (ResNeXt-50 unless --backbone).

    .venv/bin/python bench/analyze.py [CLIP ...] [--frames 20] [--threads N] [--backbone NAME]
                                      [--height 1080] [--baseline] [--long]

The detector runs as a worker serves it (`ml.serving.acceleration.Acceleration.for_device`, the face settings'
defaults). Prints per-stage seconds, sampled frames per second, peak RSS, and the ratio of the total
time to the time needed only to decode the same sampled frames (measured in the same run), both as
the pipeline decodes them (skipping frames nothing refers to) and by OpenCV's full sequential pass.
`--baseline` also analyses each clip with MTCNN's whole pyramid on every frame (FaceSettings'
finest_level="always"), interleaved with the served run, and prints both medians.
`--long` writes a 10-minute and a 10-second clip to a temp dir and compares peak RSS, each in a fresh
process.
Each row also times reading the clip's provenance (ml.media.provenance: Content Credentials and metadata)
as the worker does before detection, on the clip as it is and on a copy signed with a throwaway
certificate chain (validating a signature hashes the whole file), and prints what it adds to that
row's analysis in percent; a summary line gives the medians.
Each row also times the heatmaps of each track's --heatmaps-top-k most suspicious crops (default 8, the
worker's DEEPTRACE_HEATMAPS_TOP_K; ml/serving/heatmaps.py): the clip is analysed with and without them,
interleaved, three times each, and the row gives their stage's median time and its share of the median
analysis without them (`heatmaps_%`; `heatmaps_total_%`: the difference of the two analyses' medians,
the maps' keeping during encoding included, noisier); `heatmaps_recomputed_%` times the stage when
encoding kept no feature maps and the backbone runs again on the chosen crops (the path before issue
27's follow-up, still taken for tracks encoded without maps); summary lines give the medians.
`--image-sizes 112,160` times the served detector at each model input size instead (setups "112px",
"160px", faces cut at the training cache's 224 px as a trained checkpoint records), interleaved per clip:
the serving cost of a recipe's --image-size. `--tta-flip` adds each setup again with test-time flip
(the mirrored crops encoded too, ml/serving/scoring.py).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sample import clips_by_height  # bench/, beside this script


def default_clips(height: int | None = None) -> list[Path]:
    """One shared-sample clip per resolution (480p, 720p, 1080p), or every clip of `height`."""
    groups = clips_by_height()
    if height:
        return groups.get(height, [])
    return [clips[0] for clips in groups.values()]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def decode_only_seconds(path: Path, frames: int) -> float:
    """Decoding the sampled frames as the pipeline does (skipping frames nothing refers to)."""
    from ml.media.video import probe, sample_frames

    start = time.perf_counter()
    for _ in sample_frames(path, frames, info=probe(path)):
        pass
    return time.perf_counter() - start


def full_decode_seconds(path: Path, frames: int) -> float:
    """Decoding the same frames with OpenCV's sequential pass, every frame up to the last one wanted:
    the decode-only time as the throughput issue first measured it."""
    from ml.media import video

    start = time.perf_counter()
    info = video.probe(path)
    for _ in video.grab_frames(path, video.frame_indices(info.frame_count, frames), info.fps):
        pass
    return time.perf_counter() - start


def provenance_seconds(path: Path, repeats: int = 5) -> float:
    """Median time of the worker's provenance stage on `path` (ml.media.provenance.read)."""
    from ml.media import provenance

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        provenance.read(path)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def signed_copy(path: Path, folder: Path) -> Path | None:
    """`path` signed with a throwaway chain (tests/provenance/signing.py); None for a non-MP4 clip."""
    from tests.provenance import signing

    if path.suffix.lower() not in (".mp4", ".mov", ".m4v"):
        return None
    return signing.sign(path, folder / f"signed-{path.name}", _chain())


_chains = []


def _chain():
    from tests.provenance import signing

    if not _chains:
        _chains.append(signing.make_chain())
    return _chains[0]


def provenance_columns(path: Path, total: float) -> dict:
    """Provenance time, unsigned and signed, and each as a share of this analysis' total."""
    with tempfile.TemporaryDirectory() as tmp:
        signed = signed_copy(path, Path(tmp))
        plain = provenance_seconds(path)
        signed_s = provenance_seconds(signed) if signed else None
    row = {"provenance_s": round(plain, 4), "provenance_%": round(100 * plain / total, 2)}
    if signed_s is not None:
        row.update({"provenance_signed_s": round(signed_s, 4), "provenance_signed_%": round(100 * signed_s / total, 2)})
    return row


def heatmap_columns(path: Path, detector, face_detector, frames: int, top_k: int, repeats: int = 3) -> dict:
    """What heatmaps add to an analysis of `path`: runs with and without them, interleaved; and, as a
    third run each round, the heatmaps from crops encoded without their feature maps (the backbone runs
    again on the chosen crops, as before encoding kept them: `heatmaps_recomputed_%`)."""
    from ml.results import AnalyzeOptions
    from ml.serving.pipeline import analyze, finish, prepare

    without, stage, total, recomputed = [], [], [], []
    off, on = AnalyzeOptions(frames=frames), AnalyzeOptions(frames=frames, heatmaps_top_k=top_k)
    for _ in range(repeats):
        without.append(analyze(path, detector, off, face_detector=face_detector).timings["total"])
        t = analyze(path, detector, on, face_detector=face_detector).timings
        stage.append(t.get("heatmaps", 0.0))
        total.append(t["total"])
        again = finish([prepare(path, detector, off, face_detector=face_detector)], detector, on)[0].timings
        recomputed.append(again.get("heatmaps", 0.0))
    base, extra = sorted(without)[repeats // 2], sorted(stage)[repeats // 2]
    old = sorted(recomputed)[repeats // 2]
    return {"no_heatmaps_s": round(base, 3), "heatmaps_s": round(extra, 4), "heatmaps_%": round(100 * extra / base, 2),
            "with_heatmaps_s": round(sorted(total)[repeats // 2], 3),
            "heatmaps_total_%": round(100 * (sorted(total)[repeats // 2] - base) / base, 2),
            "heatmaps_recomputed_s": round(old, 4), "heatmaps_recomputed_%": round(100 * old / base, 2)}


def bench_clip(path: Path, setups: dict, frames: int, heatmaps_top_k: int = 8) -> list[dict]:
    """One row per setup (name -> (detector, face detector)) for this clip, after one decode-only pass."""
    from ml.results import AnalyzeOptions
    from ml.serving.pipeline import analyze

    decode, full = decode_only_seconds(path, frames), full_decode_seconds(path, frames)
    rows = []
    for name, (detector, face_detector) in setups.items():
        result = analyze(path, detector, AnalyzeOptions(frames=frames), face_detector=face_detector)
        t = result.timings
        rows.append({
            "clip": path.name[:48], "setup": name, "size": f"{result.video.width}x{result.video.height}",
            **{k: round(v, 2) for k, v in t.items()},
            "faces": result.faces_found, "frames_per_s": round(result.frames_sampled / t["total"], 1),
            "decode_only_s": round(decode, 2), "total/decode": round(t["total"] / decode, 2),
            "full_decode_s": round(full, 2), "total/full_decode": round(t["total"] / full, 2),
            "peak_rss_mb": round(peak_rss_mb()),
            **provenance_columns(path, t["total"]),
            **(heatmap_columns(path, detector, face_detector, frames, heatmaps_top_k) if heatmaps_top_k else {}),
        })
    return rows


def sized_setups(backbone: str, image_sizes: list[int], tta_flip: bool) -> dict:
    """A served detector per model input size (and, with `tta_flip`, each with test-time flip too), faces
    cut as trained checkpoints cut them."""
    from ml.media.faces import FaceDetector, FaceSettings
    from ml.model.checkpoint import random_detector
    from ml.model.network import ModelConfig
    from ml.model.presets import make_preprocessing
    from ml.serving.acceleration import Acceleration, accelerate
    from ml.training.face_cache import TRAINING_CROP_SIZE

    faces = FaceSettings(crop_size=TRAINING_CROP_SIZE)
    setups = {}
    for size in image_sizes:
        for flip in (False, True) if tta_flip else (False,):
            detector = accelerate(random_detector(ModelConfig(backbone=backbone)), Acceleration.for_device("cpu"))
            detector.preprocessing = {**make_preprocessing(backbone, size, detector.preprocessing["frames"], faces),
                                      **({"tta_flip": True} if flip else {})}
            setups[f"{size}px" + (" flip" if flip else "")] = (detector, FaceDetector.from_settings(faces))
    return setups


def setups_for(backbone: str, baseline: bool) -> dict:
    """"served": as a worker runs it. "baseline": the same detector with MTCNN's whole pyramid on
    every frame."""
    from dataclasses import replace

    from ml.media.faces import FaceDetector
    from ml.model.checkpoint import random_detector
    from ml.model.network import ModelConfig
    from ml.model.presets import face_settings_of
    from ml.serving.acceleration import Acceleration, accelerate

    served = accelerate(random_detector(ModelConfig(backbone=backbone)), Acceleration.for_device("cpu"))
    settings = face_settings_of(served.preprocessing)
    setups = {"served": (served, FaceDetector.from_settings(settings))}
    if baseline:
        setups["baseline"] = (served, FaceDetector.from_settings(replace(settings, finest_level="always")))
    return setups


def run_clips(paths: list[Path], frames: int, backbone: str, baseline: bool = False, heatmaps_top_k: int = 8,
              image_sizes: list[int] | None = None, tta_flip: bool = False) -> None:
    from ml.serving.pipeline import analyze

    setups = sized_setups(backbone, image_sizes, tta_flip) if image_sizes else setups_for(backbone, baseline)
    for detector, face_detector in setups.values():  # warm-up: first calls allocate and tune
        analyze(paths[0], detector, face_detector=face_detector)
    provenance_seconds(paths[0])  # warm-up: loads the C2PA library
    ratios: dict[tuple, list[float]] = {}
    shares: dict[str, list[float]] = {}
    for path in paths:
        for row in bench_clip(path, setups, frames, heatmaps_top_k):
            for decoding in ("decode", "full_decode"):
                ratios.setdefault((row["setup"], decoding), []).append(row[f"total/{decoding}"])
            for key in ("provenance_%", "provenance_signed_%", "heatmaps_%", "heatmaps_total_%", "heatmaps_recomputed_%"):
                if key in row:
                    shares.setdefault(key, []).append(row[key])
            print(json.dumps(row), flush=True)
    for key, values in shares.items():
        values.sort()
        print(f"{key[:-2]}: adds median {values[len(values) // 2]} % to an analysis (max {values[-1]} %) "
              f"over {len(values)} rows")
    for (name, decoding), values in ratios.items():
        values.sort()
        print(f"{backbone} {name}: total/{decoding} median {values[len(values) // 2]} (min {values[0]}, "
              f"max {values[-1]}) over {len(values)} clips")


def run_long(frames: int, threads: int | None, backbone: str) -> None:
    from tests import media

    with tempfile.TemporaryDirectory() as tmp:
        for seconds in (10, 600):
            clip = media.make_long_clip(Path(tmp) / f"clip_{seconds}s.mp4", seconds)
            # A fresh process each, so the peak RSS belongs to that clip alone.
            command = [sys.executable, __file__, str(clip), "--frames", str(frames), "--backbone", backbone]
            if threads:
                command += ["--threads", str(threads)]
            out = subprocess.run(command, capture_output=True, text=True, check=True)
            row = next(line for line in out.stdout.splitlines() if line.startswith("{"))
            print(f"{seconds:>4} s clip:", row)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clips", nargs="*", type=Path)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's own, every core)")
    parser.add_argument("--backbone", default="resnext50_32x4d", help="e.g. efficientnet_lite0")
    parser.add_argument("--height", type=int, help="every sample clip of this height (e.g. 1080)")
    parser.add_argument("--baseline", action="store_true",
                        help="also time each clip with MTCNN's whole pyramid on every frame")
    parser.add_argument("--long", action="store_true", help="compare peak RSS of a 10-min and a 10-s clip")
    parser.add_argument("--heatmaps-top-k", type=int, default=8,
                        help="heatmaps per track timed against no heatmaps (0: not timed)")
    parser.add_argument("--image-sizes", type=lambda v: [int(x) for x in v.split(",")], default=None,
                        help="time the served detector at each model input size, e.g. 112,160")
    parser.add_argument("--tta-flip", action="store_true", help="with --image-sizes: each size with test-time flip too")
    args = parser.parse_args(argv)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.long:
        run_long(args.frames, args.threads, args.backbone)
    else:
        run_clips(args.clips or default_clips(args.height), args.frames, args.backbone, args.baseline,
                  args.heatmaps_top_k, args.image_sizes, args.tta_flip)


if __name__ == "__main__":
    main()
