"""Seeded, stratified, group-aware splits: a group (a real clip and the fakes made from it) is never on
both sides, so the test set cannot leak into training.

Stratification works on groups: groups are shuffled within their majority label and dealt out so each
side gets close to `test_fraction` of the clips of each label.
"""

from __future__ import annotations

import json
import os
import random
from collections import defaultdict
from pathlib import Path

from ml.training.datasets import Clip


def group_split(clips: list[Clip], test_fraction: float = 0.3, seed: int = 0) -> tuple[list[Clip], list[Clip]]:
    """(train, test). Every group lands wholly on one side; each label's share of clips on the test
    side is as close to `test_fraction` as whole groups allow."""
    if not 0 < test_fraction < 1:
        raise ValueError("test_fraction must be between 0 and 1.")
    groups: dict[str, list[Clip]] = defaultdict(list)
    for clip in clips:
        groups[clip.group].append(clip)
    rng = random.Random(seed)
    by_label: dict[str, list[str]] = defaultdict(list)
    for name in sorted(groups):
        by_label[_majority_label(groups[name])].append(name)
    test_groups: set[str] = set()
    for label in sorted(by_label):
        names = by_label[label]
        rng.shuffle(names)
        test_groups |= _deal(names, groups, test_fraction)
    train = [c for c in clips if c.group not in test_groups]
    test = [c for c in clips if c.group in test_groups]
    return train, test


def _majority_label(clips: list[Clip]) -> str:
    fakes = sum(c.label == "fake" for c in clips)
    return "fake" if fakes * 2 > len(clips) else "real"


def _deal(names: list[str], groups: dict[str, list[Clip]], fraction: float) -> set[str]:
    """Take groups in (shuffled) order into the test side while that brings its clip count closer
    to the target; a group too big to fit is passed over for smaller ones."""
    target = fraction * sum(len(groups[n]) for n in names)
    chosen, size = set(), 0
    for name in names:
        n = len(groups[name])
        if abs(size + n - target) < abs(size - target):
            chosen.add(name)
            size += n
    if not chosen and len(names) > 1:  # keep both sides non-empty where there is more than one group
        chosen.add(min(names, key=lambda g: len(groups[g])))
    return chosen


# --- Saved with the model ---------------------------------------------------------------------------


def split_record(train: list[Clip], test: list[Clip], *, seed: int, test_fraction: float, **extra) -> dict:
    def side(clips):
        return {
            "clips": [c.path for c in clips],
            "groups": sorted({c.group for c in clips}),
            "real": sum(c.label == "real" for c in clips),
            "fake": sum(c.label == "fake" for c in clips),
        }

    return {"seed": seed, "test_fraction": test_fraction, "group_aware": True,
            "train": side(train), "test": side(test), **extra}


def save_split(path: str | os.PathLike, record: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(record, indent=1))


def load_split(path: str | os.PathLike, clips: list[Clip]) -> tuple[list[Clip], list[Clip]]:
    """The clips of a saved split, in the saved sides; clips the split does not name are left out."""
    record = json.loads(Path(path).read_text())
    by_path = {c.path: c for c in clips}
    train = [by_path[p] for p in record["train"]["clips"] if p in by_path]
    test = [by_path[p] for p in record["test"]["clips"] if p in by_path]
    return train, test
