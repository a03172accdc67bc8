"""Video-level evaluation of a checkpoint on a labelled dataset, with per-method and per-compression
breakdowns. Each video is scored from its cached face tracks by `ml.serving.scoring.score_tracks`, the function serving
uses, and the most suspicious track wins, as in `ml.serving.pipeline.analyze`.

    python -m ml.training.evaluate --model var/runs/x/model.pt --data ../shared/data/ffpp-sample --split var/runs/x/split.json
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ml.training import metrics
from ml.training.sequences import CachedVideo

log = logging.getLogger(__name__)


def score_videos(detector, items: Sequence[CachedVideo], progress: bool = False) -> np.ndarray:
    """P(fake) per video: every cached face track through ml.serving.scoring.score_tracks, and the most
    suspicious track wins, exactly as `analyze` decides."""
    from tqdm import tqdm

    from ml.serving.scoring import score_tracks

    scores = [max(s.fake_probability for s in score_tracks(item.tracks(), detector))
              for item in tqdm(items, desc="scoring", unit="video", leave=False, disable=not progress)]
    return np.array(scores, dtype=np.float64)


def breakdown(items: Sequence[CachedVideo], labels, scores, threshold: float, field: str) -> dict:
    """Per value of `field` ("method" or "compression"): how many videos, how many called right at
    the threshold, and — where both classes are present, else against all reals of the test set —
    the AUC of that subset."""
    labels, scores = np.asarray(labels), np.asarray(scores)
    by_value = defaultdict(list)
    for i, item in enumerate(items):
        by_value[getattr(item.clip, field) or "unknown"].append(i)
    reals = np.flatnonzero(labels == 0)
    out = {}
    for value, idx in sorted(by_value.items()):
        idx = np.array(idx)
        correct = (scores[idx] >= threshold) == (labels[idx] == 1)
        row = {"n": int(len(idx)), "n_fake": int(labels[idx].sum()), "accuracy": float(correct.mean())}
        has_both = 0 < labels[idx].sum() < len(idx)
        if has_both:
            row["auc"] = metrics.roc_auc(labels[idx], scores[idx])
        elif labels[idx].all() and len(reals):
            # A fake-only method: how well its fakes separate from all the test set's reals.
            both = np.r_[idx, reals]
            row["auc_vs_all_reals"] = metrics.roc_auc(labels[both], scores[both])
        out[value] = row
    return out


def full_report(items, labels, scores, threshold: float, bootstrap: int = 1000, seed: int = 0) -> dict:
    report = metrics.classification_report(labels, scores, threshold, bootstrap=bootstrap, seed=seed)
    report["per_method"] = breakdown(items, labels, scores, threshold, "method")
    report["per_compression"] = breakdown(items, labels, scores, threshold, "compression")
    return report


def format_report(report: dict) -> str:
    lo, hi = report["auc_ci95"]
    lines = [
        f"videos {report['n']} ({report['n_real']} real, {report['n_fake']} fake)",
        f"AUC {report['auc']:.3f} (95% CI {lo:.3f}-{hi:.3f})  AP {report['average_precision']:.3f}  "
        f"EER {report['eer']:.3f}",
        f"at threshold {report['threshold']:.3f}: balanced accuracy {report['balanced_accuracy']:.3f}  "
        f"accuracy {report['accuracy']:.3f}  precision {report['precision']:.3f}  recall {report['recall']:.3f}  "
        f"F1 {report['f1']:.3f}",
        "confusion (rows true real/fake, columns predicted real/fake): "
        f"[[{report['confusion']['tn']}, {report['confusion']['fp']}], [{report['confusion']['fn']}, {report['confusion']['tp']}]]",
    ]
    for field in ("per_method", "per_compression"):
        for value, row in report.get(field, {}).items():
            auc = row.get("auc", row.get("auc_vs_all_reals"))
            auc_text = f"  AUC{'' if 'auc' in row else ' vs all reals'} {auc:.3f}" if auc is not None else ""
            lines.append(f"  {field[4:]:<11} {value:<18} n={row['n']:<3} accuracy {row['accuracy']:.3f}{auc_text}")
    return "\n".join(lines)


# --- Command line ----------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Evaluate a DeepTrace checkpoint on a labelled video dataset.")
    add_arguments(parser)
    return parser.parse_args(argv)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="checkpoint (.pt)")
    p.add_argument("--data", required=True, help="dataset folder or manifest CSV")
    p.add_argument("--format", choices=("manifest", "folders", "ffpp", "celebdf", "dfdc"), default=None)
    p.add_argument("--split", help="a run's split.json: evaluate its test side only")
    p.add_argument("--cache-dir", default="var/cache/faces")
    p.add_argument("--extract-frames", type=int, default=32, help="frames sampled per video for the cache")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--device", default=None)
    p.add_argument("--threshold", type=float, default=None, help="default: the checkpoint's")
    p.add_argument("--bootstrap", type=int, default=1000)
    p.add_argument("--output", help="write the report as JSON here")
    p.add_argument("--quiet", action="store_true")


def main(argv=None) -> dict:
    return run(parse_args(argv))


def run(args: argparse.Namespace) -> dict:
    from ml.model.checkpoint import load_detector
    from ml.model.presets import face_settings_of
    from ml.training.datasets import load_dataset
    from ml.training.face_cache import ExtractSettings, prepare_cache
    from ml.training.sequences import load_cached
    from ml.training.splits import load_split

    detector = load_detector(args.model, args.device)
    clips = load_dataset(args.data, args.format)
    if args.split:
        clips = load_split(args.split, clips)[1]
    # Faces cut as the checkpoint says its training faces were.
    settings = ExtractSettings(frames=args.extract_frames, faces=face_settings_of(detector.preprocessing))
    prep = prepare_cache(clips, args.cache_dir, settings, workers=args.workers, progress=not args.quiet)
    items, left_out = load_cached(clips, args.cache_dir, settings)
    labels = np.array([i.clip.target for i in items])
    scores = score_videos(detector, items, progress=not args.quiet)
    threshold = detector.threshold if args.threshold is None else args.threshold
    report = full_report(items, labels, scores, threshold, bootstrap=args.bootstrap)
    report["left_out"] = [c.path for c in left_out]
    report["no_face"] = prep["no_face"]
    report["scores"] = [{"path": i.clip.path, "label": i.clip.label, "method": i.clip.method,
                         "p_fake": float(s)} for i, s in zip(items, scores)]
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(report, indent=1))
    if not args.quiet:
        print(format_report(report))
        if left_out:
            print(f"left out (no face or unreadable): {len(left_out)} videos")
    return report


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    main(sys.argv[1:])
