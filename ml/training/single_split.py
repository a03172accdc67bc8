"""Single-split mode: a group-aware split puts `test_fraction` of the groups in the test set, never seen
in training; a second group-aware split of the training groups gives the validation videos that choose
the decision threshold and the uncertain band. The test set is scored once, with the saved model.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ml.training import metrics
from ml.training.division import Division, HeldOut, train_on
from ml.training.evaluate import score_videos
from ml.training.sequences import labels_of
from ml.training.splits import group_split, load_split, save_split, split_record

log = logging.getLogger("ml.training.train")

# The test report's entries a checkpoint's metrics carry (as "test_<name>").
CHECKPOINT_METRICS = ("auc", "auc_ci95", "average_precision", "eer", "accuracy", "balanced_accuracy", "precision",
                      "recall", "f1", "confusion", "n", "n_real", "n_fake")


class SingleSplit(Division):
    summary_file = "metrics.json"
    scores_file = "test_scores.csv"

    def held_out(self, clips, items) -> HeldOut:
        cfg = self.config
        train_clips, val_clips, test_clips, split = split_sides(clips, cfg.split, cfg.test_fraction, cfg.val_fraction,
                                                                cfg.seed)
        save_split(Path(cfg.output) / "split.json", split)
        log.info("data: %d videos, %d groups; train %d, validation %d, test %d (group-aware, seed %d)", len(clips),
                 len({clip.group for clip in clips}), len(train_clips), len(val_clips), len(test_clips), cfg.seed)
        side = {clip.path: name for name, side_clips in (("train", train_clips), ("val", val_clips), ("test", test_clips))
                for clip in side_clips}
        train, val, test = ([i for i in items if side[i.clip.path] == s] for s in ("train", "val", "test"))
        fitted = train_on(cfg, train)
        val_scores = score_videos(fitted.detector, val)
        return HeldOut(items=test, scores=score_videos(fitted.detector, test, cfg.progress), rule_items=val,
                       rule_scores=val_scores, history=fitted.history, model=fitted, split=split)

    def protocol(self) -> str:
        f = self.config.test_fraction
        return f"one group-aware {1 - f:.0%}/{f:.0%} split (seed {self.config.seed})"

    def headline(self, evaluation: dict) -> str:
        return "held-out test (groups never trained on):"

    def summary(self, held: HeldOut, report: dict, evaluation: dict, seconds: float) -> dict:
        val_y = labels_of(held.rule_items)
        validation = (metrics.classification_report(val_y, held.rule_scores, report["threshold"], bootstrap=0)
                      if len(val_y) else {})
        return {"validation": validation, "test": report, "train_seconds": seconds}

    def checkpoint_metrics(self, held: HeldOut, report: dict, evaluation: dict) -> dict:
        return {**{f"test_{k}": report[k] for k in CHECKPOINT_METRICS}, "per_method": report["per_method"]}


def split_sides(clips, saved_split: str | None, test_fraction: float, val_fraction: float, seed: int):
    """(train, val, test, record): group-aware, seeded; the test side never shares a group."""
    if saved_split:
        train_all, test = load_split(saved_split, clips)
    else:
        train_all, test = group_split(clips, test_fraction, seed)
    train, val = group_split(train_all, val_fraction, seed + 1)
    record = split_record(train, test, seed=seed, test_fraction=test_fraction)
    record["val"] = split_record(train, val, seed=seed + 1, test_fraction=val_fraction)["test"]
    record["val_fraction"] = val_fraction
    sides = [{c.group for c in s} for s in (train, val, test)]
    if sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2]:
        raise RuntimeError("A group straddles the split; refusing to train on leaked data.")
    return train, val, test, record
