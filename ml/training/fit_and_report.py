"""The one training path, for the split mode and cross-validation alike: load the dataset, fill and
read the face cache, let the division (ml/training/single_split.py or ml/training/crossval.py) train and
score held-out videos, then choose the decision rule, report, plot, and save the model, its card and
the run's JSON.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from ml.decision import DEFAULT_THRESHOLD, DEFAULT_UNCERTAIN_BAND
from ml.model.calibration import calibrate
from ml.training import metrics
from ml.training.calibration import fit_calibration
from ml.training.config import TrainConfig
from ml.training.crossval import KFolds
from ml.training.datasets import load_datasets
from ml.training.division import Division, HeldOut
from ml.training.evaluate import format_report, full_report
from ml.training.outputs import (
    cache_summary,
    describe_data,
    model_card,
    provenance,
    save_model,
    size_schedule,
    trained_parts,
    write_json,
    write_plots,
    write_scores,
)
from ml.training.sequences import labels_of, prepared_videos
from ml.training.single_split import SingleSplit

log = logging.getLogger("ml.training.train")


def fit_and_report(config: TrainConfig) -> dict:
    """Train and evaluate as `config` says (one split, or K folds), writing the run folder; the run's
    summary, with "run_dir" and, when a model was saved, "checkpoint" and "card"."""
    started = time.time()
    clips = load_datasets(config.data, config.format)
    items, left_out, prep = prepared_videos(clips, config.cache_dir, config.extract, workers=config.workers,
                                            progress=config.progress)
    if left_out:
        log.info("left out %d videos with no face or unreadable: %s", len(left_out),
                 ", ".join(Path(c.path).name for c in left_out[:10]))
    log_recipe(config)
    division = KFolds(config) if config.cv else SingleSplit(config)
    held = division.held_out(clips, items)
    outcome = {"left_out": [c.path for c in left_out], "cache": cache_summary(prep)}
    return report(config, division, held, outcome, started)


def report(config: TrainConfig, division: Division, held: HeldOut, outcome: dict, started: float) -> dict:
    """Fit the calibration and choose the rule on the division's rule scores (calibrated), report on its
    held-out scores (calibrated), write the plots and scores, save the model (when the division trained
    one to keep) with its calibration and card, and the JSON."""
    run_dir = Path(config.output)
    rule_labels, labels = labels_of(held.rule_items), labels_of(held.items)
    calibration = fit_calibration(rule_labels, held.rule_scores, config.recipe.calibration)
    scores = calibrate(held.scores, calibration)
    threshold, band = choose_rule(rule_labels, calibrate(held.rule_scores, calibration), config.threshold_rule)
    full = full_report(held.items, labels, scores, threshold, bootstrap=config.bootstrap, seed=config.seed)
    evaluation = {"auc": full["auc"], "auc_sd": None, "auc_ci95": full["auc_ci95"],
                  "auc_ci95_resamples": full["auc_ci95_resamples"], "protocol": division.protocol(),
                  "data": describe_data(config.data, held.items), "videos": len(held.items),
                  "balanced_accuracy": full["balanced_accuracy"], "per_method": full["per_method"],
                  "per_dataset": full["per_dataset"], "within_group_auc": full["within_group_auc"],
                  "within_group_pairs": full["within_group_pairs"],
                  "calibration": calibration_report(labels, held.scores, scores, calibration),
                  **division.evaluation(held, full, calibration)}
    log.info("%s\n%s", division.headline(evaluation), format_report(full))
    write_scores(run_dir / division.scores_file, held.items, scores)
    plot_paths = write_plots(run_dir, [h for h in held.history if h.get("fold", 1) == 1], labels, scores,
                             full["confusion"], threshold, uncalibrated=held.scores if calibration else None)
    summary = {"recipe": config.recipe.as_dict(), "threshold": threshold, "uncertain_band": band,
               "history": held.history, **outcome,
               **division.summary(held, full, evaluation, round(time.time() - started, 1))}
    result = {"run_dir": str(run_dir), **summary}
    if held.model is not None:
        card = model_card(config, held.model, threshold, band, evaluation, plot_paths, held.split)
        save_model(run_dir / "model.pt", held.model.detector, threshold, band,
                   division.checkpoint_metrics(held, full, evaluation),
                   provenance(config, held.model, held.split), card, calibration)
        write_json(run_dir / "card.json", card)
        result.update(checkpoint=str(run_dir / "model.pt"), card=card)
        log.info("saved %s (threshold %.3f, uncertain band %.2f)", run_dir / "model.pt", threshold, band)
    write_json(run_dir / division.summary_file, summary)
    return result


def choose_rule(labels, scores, rule: str) -> tuple[float, float]:
    """(threshold, uncertain band) from held-out scores; the default rule when they hold one class only."""
    if len(set(np.asarray(labels).tolist())) < 2:
        return DEFAULT_THRESHOLD, DEFAULT_UNCERTAIN_BAND
    threshold = metrics.choose_threshold(labels, scores, rule)
    return threshold, metrics.uncertain_band(labels, scores, threshold)


def calibration_report(labels, raw_scores, scores, calibration: dict | None) -> dict:
    """The card's calibration entry: the fitted map (None: served as trained) and the expected
    calibration error of the reported scores before and after it."""
    return {"fitted": calibration, "ece_before": metrics.expected_calibration_error(labels, raw_scores),
            "ece_after": metrics.expected_calibration_error(labels, scores)}


def log_recipe(config: TrainConfig) -> None:
    recipe, device = config.recipe, config.device
    log.info("recipe %s: %s at %s on %s, trains %s, %d-crop sequences, batch %d, %d epochs, %s lr %g "
             "backbone / %g head, weight decay %g, %s schedule, precision %s, self-blend rate %g, calibration %s, "
             "test-time flip %s, %s augmentation",
             recipe.name, recipe.backbone, size_schedule(recipe, device), device, trained_parts(recipe),
             recipe.sequence_length, recipe.batch_size, recipe.epochs, recipe.optimizer, recipe.lr_backbone,
             recipe.lr_head, recipe.weight_decay, recipe.schedule, recipe.precision, recipe.self_blend_rate,
             recipe.calibration, recipe.tta_flip, recipe.augmentation)
