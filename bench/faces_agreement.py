"""How much MTCNN's face boxes change when frames are downscaled further than the 640 px default, or
when the pyramid's finest level runs only as a fallback (the served default).

    nice -n 19 .venv/bin/python bench/faces_agreement.py                # 3 clips per height (480p/720p/1080p)
    nice -n 19 .venv/bin/python bench/faces_agreement.py --clips 6      # 6 clips per height
    nice -n 19 .venv/bin/python bench/faces_agreement.py --all          # all clips of the shared sample
    nice -n 19 .venv/bin/python bench/faces_agreement.py CLIP ...       # your own clips
    nice -n 19 .venv/bin/python bench/faces_agreement.py --variants 600,560,480-torch-area
    nice -n 19 .venv/bin/python bench/faces_agreement.py --all --variants 640-fallback

Clips come from ../shared/data/ffpp-sample (manifest.csv), picked evenly over the manifest's rows of
each height so the methods are mixed. 20 frames spread over each clip are decoded once; each variant
then detects on the same frames:

- `640` (reference): `FaceDetector(finest_level="always").detect(frames, 640)`, OpenCV INTER_AREA
  downscale, MTCNN's whole pyramid on every frame (facenet-pytorch's own boxes).
- `480`, `400`, `320`: the same at a smaller `max_side`.
- `640-torch-area` (any `N-torch-area` with `--variants`): the 640 size reached as a GPU host reaches
  it, `FaceDetector(downscale_on_device=True)` (`ml.media.faces.downscale_on`: torch's area interpolation,
  rounded half up), here on the CPU.
- `640-fallback` (any `N-fallback`): the served default, `FaceDetector()`, whose pyramid's finest
  level runs only on frames where the coarser levels found no face (`FaceSettings.finest_level`).

Per clip and variant one JSON line: reference faces; recall of them (a reference box is matched by a
variant box of IoU >= 0.5, greedily by IoU); main-face recall (only the largest reference face of each
frame: every track is scored, but most clips have one subject); extra (unmatched) variant boxes; mean
and 5th-percentile IoU of the matched pairs; their mean size ratio (sqrt of variant over reference box
area: a systematic bias shows here, jitter does not); the mean absolute difference of their 112x112
crops (`crop_square`, margin 0.3, 0-255 scale); and detection seconds per frame (downscale included).
Then a table per height and overall, faces and pairs pooled over clips, with the worst clip's recall.

Frames no larger than a variant's size are not downscaled at all (the detector never upscales), so a
640x480 clip's `640-torch-area` is the reference itself. MTCNN looks for faces of 20 detection pixels
and up (ml.media.faces.MTCNN_MIN_FACE; in practice it finds some a little smaller), so each smaller size
raises the smallest face it can find in full-resolution pixels (20 * longest side / size: 120 px for
1080p at 320). Timings use `--threads` intra-op threads (default 1) after one warm-up per variant;
agreement, not speed, is the point of this script.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sample import clips_by_height  # bench/, beside this script

REFERENCE = "640"
VARIANTS = ["480", "400", "320", "640-torch-area", "640-fallback"]
KINDS = ("torch-area", "fallback")  # what may follow a variant's size
MATCH_IOU = 0.5


def sample_clips(per_height: int | None) -> list[Path]:
    """`per_height` clips of each height, evenly over the manifest's rows of that height; None: all."""
    clips = []
    for group in clips_by_height().values():
        n = len(group) if per_height is None else min(per_height, len(group))
        picks = sorted({int((i + 0.5) * len(group) / n) for i in range(n)}) if n else []
        clips.extend(group[i] for i in picks)
    return clips


def match(ref_boxes, var_boxes) -> list[tuple[int, int, float]]:
    """Greedy one-to-one matching, highest IoU first, of pairs with IoU >= MATCH_IOU."""
    from ml.media.faces import box_iou

    pairs = sorted(((box_iou(r, v), ri, vi) for ri, r in enumerate(ref_boxes) for vi, v in enumerate(var_boxes)),
                   reverse=True)
    used_r, used_v, out = set(), set(), []
    for score, ri, vi in pairs:
        if score < MATCH_IOU:
            break
        if ri in used_r or vi in used_v:
            continue
        used_r.add(ri)
        used_v.add(vi)
        out.append((ri, vi, score))
    return out


def run_variant(detectors, frames, variant: str) -> tuple[list[list[tuple]], float]:
    """(boxes per frame, seconds) for one variant on the clip's frames."""
    size, _, how = variant.partition("-")
    fd = detectors[how or "opencv"]
    start = time.perf_counter()
    boxes = [[d.box for d in dets] for dets in fd.detect(frames, int(size))]
    return boxes, time.perf_counter() - start


def compare(frames, ref, var) -> dict:
    """Matches of one variant against the reference, pooled over the clip's frames."""
    import numpy as np

    from ml.media.faces import crop_square

    ious, mads, ratios, extra, main_faces, main_matched = [], [], [], 0, 0, 0
    for frame, ref_boxes, var_boxes in zip(frames, ref, var):
        pairs = match(ref_boxes, var_boxes)
        extra += len(var_boxes) - len(pairs)
        if ref_boxes:
            main = max(range(len(ref_boxes)), key=lambda i: _side(ref_boxes[i]))
            main_faces += 1
            main_matched += any(ri == main for ri, _, _ in pairs)
        for ri, vi, score in pairs:
            ious.append(score)
            ratios.append(_side(var_boxes[vi]) / _side(ref_boxes[ri]))
            a = crop_square(frame, ref_boxes[ri], margin=0.3, size=112).astype(np.int16)
            b = crop_square(frame, var_boxes[vi], margin=0.3, size=112).astype(np.int16)
            mads.append(float(np.abs(a - b).mean()))
    return {"ious": ious, "mads": mads, "ratios": ratios, "extra": extra, "main_faces": main_faces,
            "main_matched": main_matched}


def _side(box) -> float:
    return max(box[2] - box[0], 0.0) ** 0.5 * max(box[3] - box[1], 0.0) ** 0.5


def stats(ref_faces: int, ious: list[float], mads: list[float], ratios: list[float], extra: int,
          main_faces: int, main_matched: int) -> dict:
    import numpy as np

    return {
        "ref_faces": ref_faces, "matched": len(ious),
        "recall": round(len(ious) / ref_faces, 4) if ref_faces else None,
        "main_faces": main_faces, "main_matched": main_matched,
        "main_recall": round(main_matched / main_faces, 4) if main_faces else None,
        "extra": extra,
        "iou_mean": round(float(np.mean(ious)), 4) if ious else None,
        "iou_p5": round(float(np.percentile(ious, 5)), 4) if ious else None,
        "size_ratio": round(float(np.mean(ratios)), 4) if ratios else None,
        "crop_mad": round(float(np.mean(mads)), 2) if mads else None,
    }


def bench_clip(path: Path, detectors, n_frames: int, variants: list[str]) -> list[dict]:
    from ml.media.video import probe, sample_frames

    info = probe(path)
    frames = [rgb for _, _, rgb in sample_frames(path, n_frames, info=info)]
    ref, ref_s = run_variant(detectors, frames, REFERENCE)
    ref_faces = sum(len(b) for b in ref)
    main_faces = sum(1 for b in ref if b)
    base = {"clip": path.name[:60], "size": f"{info.width}x{info.height}", "height": info.height,
            "frames": len(frames)}
    same = stats(ref_faces, [1.0] * ref_faces, [0.0] * ref_faces, [1.0] * ref_faces, 0, main_faces, main_faces)
    rows = [{**base, "variant": REFERENCE, **same,
             "s_per_frame": round(ref_s / len(frames), 4), "_ious": [], "_mads": [], "_ratios": []}]
    for variant in variants:
        boxes, seconds = run_variant(detectors, frames, variant)
        c = compare(frames, ref, boxes)
        rows.append({**base, "variant": variant, **stats(ref_faces, c["ious"], c["mads"], c["ratios"], c["extra"],
                                                       c["main_faces"], c["main_matched"]),
                     "s_per_frame": round(seconds / len(frames), 4),
                     "_ious": c["ious"], "_mads": c["mads"], "_ratios": c["ratios"]})
    return rows


def summarise(rows: list[dict], variants: list[str]) -> None:
    """A markdown table per height group (480p, 720p, ...) and overall, pooled over clips."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        groups[(f"{row['height']}p", row["variant"])].append(row)
        groups[("all", row["variant"])].append(row)
    heights = sorted({f"{r['height']}p" for r in rows}, key=lambda h: int(h[:-1])) + ["all"]
    print()
    print("| res | variant | clips | ref faces | recall | worst clip recall | main-face recall | extra "
          "| IoU mean | IoU p5 | size ratio | crop MAD | det s/frame |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for height in heights:
        for variant in [REFERENCE, *variants]:
            group = groups.get((height, variant), [])
            if not group:
                continue
            ref_faces = sum(r["ref_faces"] for r in group)
            if variant == REFERENCE:
                s = {"recall": None, "main_recall": None, "extra": 0, "iou_mean": None, "iou_p5": None,
                     "size_ratio": None, "crop_mad": None}
            else:
                pooled = {k: [x for r in group for x in r[k]] for k in ("_ious", "_mads", "_ratios")}
                s = stats(ref_faces, pooled["_ious"], pooled["_mads"], pooled["_ratios"],
                          sum(r["extra"] for r in group), sum(r["main_faces"] for r in group),
                          sum(r["main_matched"] for r in group))
            recalls = [r["recall"] for r in group if r["recall"] is not None]
            worst = min(recalls) if recalls and variant != REFERENCE else None
            per_frame = sum(r["s_per_frame"] * r["frames"] for r in group) / sum(r["frames"] for r in group)
            cells = [height, variant, len(group), ref_faces, _pct(s["recall"]), _pct(worst), _pct(s["main_recall"]),
                     s["extra"], _num(s["iou_mean"], 3), _num(s["iou_p5"], 3), _num(s["size_ratio"], 3),
                     _num(s["crop_mad"], 2), f"{per_frame:.3f}"]
            print("| " + " | ".join(str(c) for c in cells) + " |")


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _num(x, digits: int) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clips", nargs="*", type=Path, help="clips to use instead of the shared sample")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--clips", dest="per_height", type=int, default=3, help="sample clips per height")
    which.add_argument("--all", action="store_true", help="every clip of the shared sample")
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help="comma-separated detection sizes to compare with 640, or N-torch-area, N-fallback")
    args = parser.parse_args(argv)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    for v in variants:
        size, _, how = v.partition("-")
        if not size.isdigit() or how not in ("", *KINDS):
            parser.error(f"unknown variant {v!r}: use a size (480), or a size with -torch-area or -fallback")

    import torch

    from ml.media.faces import FaceDetector
    from ml.media.video import probe, sample_frames

    torch.set_num_threads(args.threads)
    paths = args.clips or sample_clips(None if args.all else args.per_height)
    detectors = {"opencv": FaceDetector("cpu", finest_level="always"),
                 "torch-area": FaceDetector("cpu", downscale_on_device=True, finest_level="always"),
                 "fallback": FaceDetector("cpu")}
    warm = [rgb for _, _, rgb in sample_frames(paths[0], 2, info=probe(paths[0]))]
    for variant in [REFERENCE, *variants]:  # first MTCNN calls allocate and tune
        run_variant(detectors, warm, variant)

    rows = []
    started = time.perf_counter()
    for path in paths:
        for row in bench_clip(path, detectors, args.frames, variants):
            rows.append(row)
            print(json.dumps({k: v for k, v in row.items() if not k.startswith("_")}), flush=True)
    print(f"# {len(paths)} clips, {args.frames} frames each, {time.perf_counter() - started:.0f} s", flush=True)
    summarise(rows, variants)


if __name__ == "__main__":
    main()
