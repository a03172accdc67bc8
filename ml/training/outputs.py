"""What a training run leaves behind: the checkpoint with its provenance and model card, the plots, the
per-video scores CSV and the JSON summaries. Shared by the split and cross-validation modes.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import torch

from ml.model.checkpoint import Detector, save_checkpoint
from ml.training import plots
from ml.training.config import TrainConfig
from ml.training.loop import Fitted
from ml.training.portable import portable_init


def describe_data(data, items) -> str:
    """The datasets' names and what they hold, in words (no path: the card travels)."""
    names = sorted({i.clip.dataset for i in items if i.clip.dataset}) or ["data"]
    groups = len({i.clip.group for i in items})
    return f"{' + '.join(names)}: {len(items)} videos ({sum(i.clip.target == 0 for i in items)} real), {groups} identity groups"


def provenance(config: TrainConfig, fitted: Fitted, split: dict | None) -> dict:
    """Where the model came from, with no path of the trainer's machine (ml/training/portable.py)."""
    portable = config.portable()
    return plain({
        "backbone_init": portable_init(fitted.backbone_init),
        "trained": True,
        "recipe": config.recipe.as_dict(),
        "data": " + ".join(portable.data),  # dataset names (NAME:LAYOUT where a layout was named)
        "format": config.format,
        "split": {k: split[k] for k in ("seed", "test_fraction", "val_fraction", "group_aware") if k in split} if split else None,
        "cv_folds": config.cv or None,
        "args": portable.as_dict(),  # the whole TrainConfig, paths portable (TrainConfig.from_dict reads it back)
        "torch": str(torch.__version__),
        "training_steps": fitted.steps,  # the precision as it ran on this machine ("bf16 autocast (depthwise ...)")
    })


def model_card(config: TrainConfig, fitted: Fitted, threshold: float, band: float, evaluation: dict,
               plot_paths: dict, split: dict | None) -> dict:
    recipe, detector, backbone_init = config.recipe, fitted.detector, fitted.backbone_init
    card = {
        "data": " + ".join(config.portable().data),
        "backbone": recipe.backbone,
        "backbone_init": "imagenet" if backbone_init.startswith("imagenet") else backbone_init,
        "recipe": recipe.name,
        "trained": trained_parts(recipe),
        "frozen_bn": recipe.frozen_bn,
        "augmentation": recipe.augmentation,
        "image_size": detector.preprocessing["image_size"],
        "size_schedule": size_schedule(recipe, config.device),  # "112 px for 4 epochs, then 160 px" where progressive
        "frames": recipe.sequence_length, "epochs": recipe.epochs, "lr": recipe.lr_backbone, "lr_head": recipe.lr_head,
        "batch_size": recipe.batch_size, "lstm_hidden": recipe.lstm_hidden, "precision": recipe.precision,
        "training_steps": fitted.steps,
        "self_blend_rate": recipe.self_blend_rate, "tta_flip": recipe.tta_flip,
        "threshold": threshold, "uncertain_band": band, "threshold_rule": config.threshold_rule,
        "evaluation": evaluation,
        # Relative to the run folder, so a moved run still finds them (detector.registry resolves them).
        "plots": {name: str(Path(p).relative_to(config.output)) for name, p in plot_paths.items()},
    }
    if split and "train" in split:
        card["split"] = {"seed": split["seed"], "group_aware": True, "test_fraction": split["test_fraction"],
                         "val_fraction": split.get("val_fraction"),
                         **{side: {"videos": split[side]["real"] + split[side]["fake"], "real": split[side]["real"],
                                   "fake": split[side]["fake"], "groups": len(split[side]["groups"])}
                            for side in ("train", "val", "test") if side in split}}
    return plain(card)


def trained_parts(recipe) -> str:
    bn = ", batch-norm statistics frozen" if recipe.frozen_bn else ""
    if recipe.train_blocks < 0:
        return f"whole backbone + LSTM + head (fine-tuned{bn})"
    if recipe.train_blocks == 0:
        return "LSTM + head (backbone frozen)"
    return f"top {recipe.train_blocks} backbone blocks + LSTM + head{bn}"


def size_schedule(recipe, device: str) -> str:
    """The input size in words: "160 px", or "112 px for 7 epochs, then 160 px"."""
    size = recipe.size_for(device)
    if recipe.step_size(1, device) is None:
        return f"{size} px"
    epochs = f"{recipe.low_res_epochs} epoch" + ("s" if recipe.low_res_epochs > 1 else "")
    return f"{recipe.low_res_size} px for {epochs}, then {size} px"


def save_model(path: Path, detector: Detector, threshold, band, metrics_: dict, provenance_: dict, card: dict,
               calibration: dict | None = None) -> None:
    save_checkpoint(path, detector.model, detector.config, preprocessing=detector.preprocessing, metrics=plain(metrics_),
                    provenance=provenance_, threshold=threshold, uncertain_band=band, extra={"card": card},
                    calibration=plain(calibration) if calibration else None)


def write_plots(run_dir: Path, history, labels, scores, confusion: dict, threshold: float, uncalibrated=None) -> dict:
    """The run's plots; `scores` are the served (calibrated) ones, `uncalibrated` the model's own where a
    calibration was fitted (the reliability diagram shows both)."""
    d = Path(run_dir) / "plots"
    return {
        "loss": plots.loss_curves(history, d / "loss.png"),
        "roc": plots.roc(labels, scores, d / "roc.png"),
        "reliability": plots.reliability_diagram(labels, scores, d / "reliability.png", uncalibrated),
        "confusion": plots.confusion_matrix(confusion, d / "confusion.png"),
        "scores": plots.score_histogram(labels, scores, threshold, d / "scores.png"),
    }


def cache_summary(prep: dict) -> dict:
    return {k: prep[k] for k in ("clips", "cached", "extracted")} | {"no_face": prep["no_face"], "errors": prep["errors"]}


def write_scores(path, items, scores) -> None:
    """One row per held-out video (quoted as CSV needs: a path may hold a comma); p_fake stays last."""
    with Path(path).open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["file", "label", "group", "method", "compression", "dataset", "p_fake"])
        writer.writerows([i.clip.path, i.clip.label, i.clip.group, i.clip.method, i.clip.compression, i.clip.dataset,
                          f"{s:.6f}"] for i, s in zip(items, scores))


def write_json(path: Path, value) -> None:
    Path(path).write_text(json.dumps(plain(value), indent=1))


def plain(value):
    """Only JSON types: checkpoints load with weights_only=True, which refuses numpy scalars and paths."""
    return json.loads(json.dumps(value, default=lambda v: float(v) if hasattr(v, "__float__") else str(v)))
