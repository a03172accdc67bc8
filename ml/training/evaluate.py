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
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from ml.training import metrics, options
from ml.training.face_cache import DEFAULT_CACHE_DIR, ExtractSettings
from ml.training.sequences import CachedVideo

log = logging.getLogger(__name__)
DESCRIPTION = "Evaluate a DeepTrace checkpoint on a labelled video dataset."


def score_videos(detector, items: Sequence[CachedVideo], progress: bool = False, flip: bool | None = None) -> np.ndarray:
    """P(fake) per video: every cached face track through ml.serving.scoring.score_tracks, and the most
    suspicious track wins, exactly as `analyze` decides. `flip` overrides the detector's test-time flip
    (None: as the checkpoint says), so one model can be measured both ways."""
    from tqdm import tqdm

    from ml.serving.scoring import score_tracks

    if flip is not None:
        detector = replace(detector, preprocessing={**detector.preprocessing, "tta_flip": flip})

    scores = [_video_p(score_tracks(item.tracks(), detector), item)
              for item in tqdm(items, desc="scoring", unit="video", leave=False, disable=not progress)]
    return np.array(scores, dtype=np.float64)


@dataclass
class HeldOutScores:
    """One model's P(fake) per video, three ways, from one backbone pass (`score_held_out`)."""

    without: np.ndarray  # every cached frame, no test-time flip
    with_flip: np.ndarray  # every cached frame, the mirrored crops averaged in
    served: np.ndarray  # `served_frames` frames a video, flipped as the recipe serves: as an upload is scored


def score_held_out(detector, items: Sequence[CachedVideo], served_frames: int, flip: bool) -> HeldOutScores:
    """Each video scored without and with test-time flip (as two `score_videos` calls would give), and as
    an upload of it is scored: `served_frames` frames (AnalyzeOptions.frames) rather than the cache's
    32 (`served_subset`), so one sequence of about that length a track rather than two interleaved ones
    of the trained length, with the recipe's `flip` (NaN where `served_subset` cannot say). The
    backbone runs twice a crop (plain and mirrored); the other scores are the LSTM over those features."""
    from ml.serving.scoring import classify_tracks, encode_tracks

    flipping = replace(detector, preprocessing={**detector.preprocessing, "tta_flip": True})
    without, with_flip, served = [], [], []
    for item in items:
        encoded = encode_tracks(item.tracks(), flipping)
        plain = [replace(e, flipped=None) for e in encoded]
        with_flip.append(_video_p(classify_tracks([encoded], flipping)[0], item))
        without.append(_video_p(classify_tracks([plain], detector)[0], item))
        upload = served_subset(encoded if flip else plain, served_frames, *item.cache_sampling())
        served.append(np.nan if upload is None else _video_p(classify_tracks([upload], detector)[0], item))
    return HeldOutScores(*(np.array(s, dtype=np.float64) for s in (without, with_flip, served)))


def served_subset(tracks: list, frames: int, frame_count: int | None, cached: int, sampling: str) -> list | None:
    """Encoded tracks as an upload sampling `frames` frames spread over the video would give them. Of the
    cache's `cached` frames (spread over the video's `frame_count`, as ml.media.video.frame_indices
    picks them), each of the upload's frames takes the nearest one; each track keeps its faces on
    those, and the tracks that count on `frames` sampled frames are kept
    (ml.serving.pipeline.tracks_that_count).

    None where the cache cannot stand for an upload: it did not spread its frames (`sampling`), holds
    no more frames than the upload samples, its frame count is unknown, a face lies off the frames
    it should have sampled (a count that changed since), or no face is left on the upload's frames
    (the upload would find none). Two limits the cache sets: a track it dropped (a face on fewer
    than 7 of its 32 frames) cannot return, though 4 of 20 would count for an upload; and tracks stay
    linked as they were on 32 frames."""
    from ml.media.faces import Track
    from ml.media.video import frame_indices

    if sampling != "spread" or cached <= frames or not frame_count:
        return None
    grid, wanted = frame_indices(frame_count, cached), frame_indices(frame_count, frames)
    if any(f.frame_index not in grid for e in tracks for f in e.track.faces):
        return None
    kept = {min(grid, key=lambda c, s=s: abs(c - s)) for s in wanted}
    thinned = []
    for e in tracks:
        rows = [n for n, f in enumerate(e.track.faces) if f.frame_index in kept]
        if rows:
            thinned.append(replace(e, track=Track(e.track.id, [e.track.faces[n] for n in rows]),
                                   features=e.features[rows],
                                   flipped=None if e.flipped is None else e.flipped[rows], maps=None))
    return _counted(thinned, len(wanted)) if thinned else None


def _counted(encoded: list, sampled: int) -> list:
    """The encoded tracks whose tracks serving counts on `sampled` frames (tracks_that_count), in order."""
    from ml.serving.pipeline import tracks_that_count

    kept = {id(t) for t in tracks_that_count([e.track for e in encoded], sampled)}
    return [e for e in encoded if id(e.track) in kept]


def _video_p(scored, item) -> float:
    """A video's P(fake): its most suspicious track's, as `analyze` decides. A NaN or infinite score
    raises InvalidScore, as serving does (ml.serving.pipeline.check_scores): max() would otherwise keep
    or drop a NaN by the tracks' order, and the run would report an AUC of a model that is broken."""
    from ml.errors import InvalidScore
    from ml.serving.pipeline import check_scores

    try:
        check_scores(scored)
    except InvalidScore as e:
        raise InvalidScore(f"{Path(item.clip.path).name}: the model scored it NaN or infinite, so it cannot be "
                           "measured: its weights are broken (a training run that diverged) or reduced precision "
                           "overflowed.") from e
    return max(s.fake_probability for s in scored)


def breakdown(items: Sequence[CachedVideo], labels, scores, threshold: float, field: str | None,
              keys: Sequence[str] | None = None) -> dict:
    """Per value of `field` ("method" or "compression"; None where `keys`, one per video, are given):
    how many videos, how many called right at the threshold, and — where both classes are present,
    else against all reals of the test set — the AUC of that subset."""
    labels, scores = np.asarray(labels), np.asarray(scores)
    by_value = defaultdict(list)
    for i, item in enumerate(items):
        by_value[keys[i] if keys is not None else getattr(item.clip, field) or "unknown"].append(i)
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


def per_group(items: Sequence[CachedVideo], labels, scores, threshold: float) -> dict:
    """`breakdown` by identity group, with the median P(fake) of the group's reals and of its fakes:
    whether the model ranks within a group's people (its AUC) and where it puts them (its level),
    which a pooled figure over many people mixes."""
    labels, scores = np.asarray(labels), np.asarray(scores)
    groups = identity_groups(items)
    out = breakdown(items, labels, scores, threshold, None, keys=groups)
    for group, row in out.items():
        mine = np.asarray(groups) == group
        row.update({f"median_p_{name}": float(np.median(scores[mine & (labels == target)]))
                    if (mine & (labels == target)).any() else None for name, target in (("real", 0), ("fake", 1))})
    return out


def identity_groups(items: Sequence[CachedVideo]) -> list[str]:
    """Each video's identity group within its dataset: the unit a bootstrap resamples, since a real video
    and the fakes made from it are not independent evidence."""
    return [f"{i.clip.dataset}/{i.clip.group}" for i in items]


def full_report(items, labels, scores, threshold: float, bootstrap: int = metrics.BOOTSTRAP, seed: int = 0) -> dict:
    groups = identity_groups(items)
    report = metrics.classification_report(labels, scores, threshold, bootstrap=bootstrap, seed=seed, groups=groups)
    report["per_method"] = breakdown(items, labels, scores, threshold, "method")
    report["per_compression"] = breakdown(items, labels, scores, threshold, "compression")
    report["per_dataset"] = breakdown(items, labels, scores, threshold, "dataset")
    report["per_group"] = per_group(items, labels, scores, threshold)
    report["within_group_auc"], report["within_group_pairs"] = metrics.within_group_auc(labels, scores, groups)
    return report


def format_report(report: dict) -> str:
    lo, hi = report["auc_ci95"]
    lines = [
        f"videos {report['n']} ({report['n_real']} real, {report['n_fake']} fake)",
        f"AUC {report['auc']:.3f} (95% CI {lo:.3f}-{hi:.3f}, resampling {report.get('auc_ci95_resamples', 'videos')})  "
        f"AP {report['average_precision']:.3f}  "
        f"EER {report['eer']:.3f}",
        *([f"AUC within identity groups {report['within_group_auc']:.3f} ({report['within_group_pairs']} pairs of a "
           "real and a fake of the same people)"] if report.get("within_group_pairs") else []),
        f"at threshold {report['threshold']:.3f}: balanced accuracy {report['balanced_accuracy']:.3f}  "
        f"accuracy {report['accuracy']:.3f}  precision {report['precision']:.3f}  recall {report['recall']:.3f}  "
        f"F1 {report['f1']:.3f}",
        "confusion (rows true real/fake, columns predicted real/fake): "
        f"[[{report['confusion']['tn']}, {report['confusion']['fp']}], [{report['confusion']['fn']}, {report['confusion']['tp']}]]",
    ]
    sections = {field: report.get(field, {}) for field in ("per_method", "per_compression", "per_dataset")}
    sections["per_group"] = hardest_groups(report.get("per_group", {}), HARDEST_SHOWN)
    for field, rows in sections.items():
        for value, row in rows.items():
            auc = row.get("auc", row.get("auc_vs_all_reals"))
            auc_text = f"  AUC{'' if 'auc' in row else ' vs all reals'} {auc:.3f}" if auc is not None else ""
            levels = (f"  median P(fake) reals {_level(row['median_p_real'])}, fakes {_level(row['median_p_fake'])}"
                      if "median_p_real" in row else "")
            lines.append(f"  {field[4:]:<11} {value:<18} n={row['n']:<3} accuracy {row['accuracy']:.3f}{auc_text}{levels}")
    if len(report.get("per_group", {})) > HARDEST_SHOWN:
        lines.append(f"  (the {HARDEST_SHOWN} groups ranked worst of {len(report['per_group'])}; every one in the "
                     "report's per_group)")
    return "\n".join(lines)


HARDEST_SHOWN = 10  # groups a text report lists (a large dataset has hundreds; the JSON keeps them all)


def hardest_groups(groups: dict, count: int) -> dict:
    """The `count` groups whose fakes the model ranked worst against its reals (their own, else all),
    worst first; a group that has no AUC (reals alone) last."""
    def auc(row):
        value = row.get("auc", row.get("auc_vs_all_reals"))
        return 2.0 if value is None else value
    return dict(sorted(groups.items(), key=lambda kv: (auc(kv[1]), kv[0]))[:count])


def _level(p: float | None) -> str:
    return "-" if p is None else f"{p:.2f}"


# --- One checkpoint on one dataset ------------------------------------------------------------------


def evaluate_checkpoint(model: str, data: str | Sequence[str], *, format: str | None = None, split: str | None = None,
                        cache_dir: str = DEFAULT_CACHE_DIR, extract_frames: int | None = None, workers: int = 1,
                        device: str | None = None, threshold: float | None = None, bootstrap: int = metrics.BOOTSTRAP,
                        progress: bool = True) -> dict:
    """The full report of checkpoint `model` on the dataset(s) `data`, each PATH or PATH:LAYOUT (only the test side of a run's
    `split`), with the videos left out and every video's score. Faces are extracted as the checkpoint
    says its training faces were (frames, sampling, crop size, margin: ExtractSettings.from_preprocessing);
    `extract_frames` overrides the frames per video, `threshold` the checkpoint's threshold."""
    from ml.model.checkpoint import load_detector
    from ml.training.datasets import load_datasets
    from ml.training.sequences import labels_of, prepared_videos
    from ml.training.splits import load_split

    detector = load_detector(model, device)
    clips = load_datasets(data, format)
    if split:
        clips = load_split(split, clips)[1]
    settings = extraction_for(detector.preprocessing, extract_frames)
    items, left_out, prep = prepared_videos(clips, cache_dir, settings, workers=workers, progress=progress)
    scores = score_videos(detector, items, progress=progress)
    threshold = detector.threshold if threshold is None else threshold
    report = full_report(items, labels_of(items), scores, threshold, bootstrap=bootstrap)
    report["left_out"] = [c.path for c in left_out]
    report["no_face"] = prep["no_face"]
    report["extraction"] = asdict(settings)
    report["scores"] = [{"path": i.clip.path, "label": i.clip.label, "method": i.clip.method,
                         "p_fake": float(s)} for i, s in zip(items, scores)]
    return report


def extraction_for(preprocessing: dict, frames: int | None = None) -> ExtractSettings:
    """The checkpoint's extraction settings, with the frames per video overridden when given."""
    recorded = ExtractSettings.from_preprocessing(preprocessing)
    return recorded if frames is None else replace(recorded, frames=frames)


# --- Command line ----------------------------------------------------------------------------------


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="checkpoint (.pt)")
    options.add_dataset_options(p)
    p.add_argument("--split", help="a run's split.json: evaluate its test side only")
    p.add_argument("--extract-frames", type=int, default=None,
                   help="frames sampled per video for the cache (default: the checkpoint's)")
    p.add_argument("--threshold", type=float, default=None, help="default: the checkpoint's")
    p.add_argument("--output", help="write the report as JSON here")
    options.add_run_options(p)


def main(argv=None) -> dict:
    return from_command_line(options.parse(argv, DESCRIPTION, add_arguments))


def from_command_line(args: argparse.Namespace) -> dict:
    """Evaluate as the options say; write and print the report (manage.py evaluate_model calls this)."""
    report = evaluate_checkpoint(args.model, args.data, format=args.format, split=args.split, cache_dir=args.cache_dir,
                                 extract_frames=args.extract_frames, workers=args.workers, device=args.device,
                                 threshold=args.threshold, bootstrap=args.bootstrap, progress=not args.quiet)
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(report, indent=1))
    if not args.quiet:
        print(format_report(report))
        if report["left_out"]:
            print(f"left out (no face or unreadable): {len(report['left_out'])} videos")
    return report


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    main(sys.argv[1:])
