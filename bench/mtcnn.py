"""MTCNN's stages (ml/media/mtcnn.py) against facenet-pytorch's own `MTCNN.detect`, same frames, same run.

    .venv/bin/python bench/mtcnn.py [--every 10] [--frames 8] [--batch 4] [--device cpu]

Frames come from every --every-th clip of the shared sample, downscaled as ml.media.faces does (640 px).
Each batch goes through both detectors in turn (interleaved, so a noisy host slows both alike). Prints
frames/s for each, per resolution and overall, the speed-up, and how many images got the same boxes
(same count, every corner within 0.01 px) with the largest box and probability differences.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sample import sample_rows  # bench/, beside this script


def batches(every: int, frames: int, batch: int, face_detector):
    """(height, batch of MTCNN input frames) from every `every`-th sample clip."""
    from ml.media.video import probe, sample_frames

    for path, height in sample_rows()[::every]:
        rgb = [r for _, _, r in sample_frames(path, frames, info=probe(path))]
        scale = face_detector.scale_for(rgb[0].shape)
        prepared = np.stack([face_detector.prepare(r, scale) for r in rgb])
        for start in range(0, len(prepared), batch):
            yield height, prepared[start : start + batch]


def compare(expected, got) -> tuple[int, float, float]:
    """Images with the same boxes, and the largest box and probability differences."""
    same, box_diff, prob_diff = 0, 0.0, 0.0
    for rb, rp, b, p in zip(*expected, *got):
        if rb is None or b is None:
            same += rb is None and b is None
            continue
        rb, b = np.asarray(rb, float), np.asarray(b, float)
        if rb.shape != b.shape:
            continue
        d = float(np.abs(rb - b).max())
        box_diff = max(box_diff, d)
        prob_diff = max(prob_diff, float(np.abs(np.asarray(rp, float) - np.asarray(p, float)).max()))
        same += d < 0.01
    return same, box_diff, prob_diff


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=int, default=10, help="take every n-th clip of the sample")
    parser.add_argument("--frames", type=int, default=8, help="frames per clip")
    parser.add_argument("--batch", type=int, default=4, help="frames per MTCNN call (ml.media.faces uses 4 on a CPU)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)

    import torch
    from facenet_pytorch import MTCNN

    from ml.media.faces import MTCNN_MIN_FACE, FaceDetector

    # OpenCV downscales on every device here, so both detectors get the same 640 px frames.
    face_detector = FaceDetector(args.device, downscale_on_device=False)
    stages = face_detector.stages  # what the pipeline runs
    reference = MTCNN(keep_all=True, device=args.device, min_face_size=MTCNN_MIN_FACE, post_process=False)
    seconds = defaultdict(lambda: [0.0, 0.0, 0])  # height -> [facenet s, stages s, frames]
    images = same = 0
    box_diff = prob_diff = 0.0
    warm = True
    for height, batch in batches(args.every, args.frames, args.batch, face_detector):
        if warm:  # first calls allocate and tune
            reference.detect(batch), stages.detect(batch)
            warm = False
        start = time.perf_counter()
        expected = reference.detect(batch)
        middle = time.perf_counter()
        got = stages.detect(batch)
        end = time.perf_counter()
        row = seconds[height]
        row[0] += middle - start
        row[1] += end - middle
        row[2] += len(batch)
        s, b, p = compare(expected, got)
        images, same = images + len(batch), same + s
        box_diff, prob_diff = max(box_diff, b), max(prob_diff, p)
    total = [sum(r[i] for r in seconds.values()) for i in range(3)]
    for label, (ref_s, new_s, n) in [*((f"{h}p", seconds[h]) for h in sorted(seconds)), ("all", total)]:
        print(json.dumps({"frames": label, "count": n, "facenet_frames_per_s": round(n / ref_s, 1),
                          "stages_frames_per_s": round(n / new_s, 1), "speed_up": round(ref_s / new_s, 2)}))
    print(json.dumps({"images": images, "same_boxes": same, "max_box_diff_px": float(f"{box_diff:.2e}"),
                      "max_prob_diff": float(f"{prob_diff:.2e}")}))
    print(f"device {args.device}, torch threads {torch.get_num_threads()}, batches of {args.batch}")


if __name__ == "__main__":
    main()
