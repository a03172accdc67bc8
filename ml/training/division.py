"""What a way of dividing the videos hands to the one report path (ml/training/fit_and_report.py).

Two divisions exist: one group-aware split (ml/training/single_split.py) and group K-fold cross-validation
(ml/training/crossval.py). Each trains what it needs and returns HeldOut: scores of videos the scoring
model never trained on, the videos whose scores choose the decision rule, and the model to save. The
report path does the rest the same way for both; a division only names its files and shapes the
parts of the report that differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.training.config import TrainConfig
from ml.training.loop import Fitted, fit
from ml.training.sequences import CachedVideo


@dataclass
class HeldOut:
    items: list[CachedVideo]  # the videos reported on: the test side, or every video (out of fold)
    scores: np.ndarray  # P(fake) of each, from a model that never trained on its group
    rule_items: list[CachedVideo]  # the videos whose scores choose the threshold and band
    rule_scores: np.ndarray
    history: list[dict]  # training curves (the folds' carry "fold"; fold 1's are plotted)
    model: Fitted | None  # what is saved with this evaluation; None: cross-validation without --final
    split: dict | None = None  # the split record (split mode)
    folds: list[dict] | None = None  # per-fold AUCs (cross-validation)


class Division:
    """A way of dividing the videos; subclasses name their files and fill in what differs."""

    summary_file: str  # the run's JSON summary: "metrics.json" | "cv.json"
    scores_file: str  # the reported videos' scores: "test_scores.csv" | "oof_scores.csv"

    def __init__(self, config: TrainConfig):
        self.config = config

    def held_out(self, clips: list, items: list[CachedVideo]) -> HeldOut:
        raise NotImplementedError

    def protocol(self) -> str:
        """How the evaluation was made, in words (the card's evaluation["protocol"])."""
        raise NotImplementedError

    def evaluation(self, held: HeldOut, report: dict, calibration: dict | None = None) -> dict:
        """The card's evaluation entries this division measures its own way (e.g. AUC per fold);
        `calibration` is the one fitted on the rule scores (None: none)."""
        return {}

    def headline(self, evaluation: dict) -> str:
        raise NotImplementedError

    def summary(self, held: HeldOut, report: dict, evaluation: dict, seconds: float) -> dict:
        """This division's keys of the run's JSON summary."""
        raise NotImplementedError

    def checkpoint_metrics(self, held: HeldOut, report: dict, evaluation: dict) -> dict:
        raise NotImplementedError


def train_on(config: TrainConfig, items: list[CachedVideo], seed_offset: int = 0, label: str = "",
             after_epoch=None) -> Fitted:
    """`fit` with the run's recipe, device and loader settings."""
    return fit(items, config.recipe, config.device, seed=config.seed + seed_offset, weights_path=config.backbone_weights,
               num_workers=config.num_workers, progress=config.progress, label=label, after_epoch=after_epoch)
