"""Fitting a detector with a recipe, and writing what a run leaves behind (checkpoint, card, plots,
scores). Shared by the single-split mode (ml/training/train.py) and cross-validation (ml/training/crossval.py).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, WeightedRandomSampler

from ml.decision import DEFAULT_THRESHOLD, DEFAULT_UNCERTAIN_BAND
from ml.media.faces import FaceSettings
from ml.model.checkpoint import Detector, load_backbone_weights, save_checkpoint
from ml.model.network import DeepfakeDetector, ModelConfig
from ml.model.presets import make_preprocessing, train_preset
from ml.training import metrics, plots
from ml.training.face_cache import ExtractSettings, prepare_cache
from ml.training.recipes import Recipe, recipe_from
from ml.training.sequences import (
    CachedVideo,
    CropSequences,
    load_cached,
    sample_weights,
)

log = logging.getLogger("ml.training.train")  # one logger: a run's train.log collects both modules' lines

def recipe_of(args) -> Recipe:
    return recipe_from(args.recipe, **{k: getattr(args, k, None) for k in
                                       ("backbone", "image_size", "frames", "batch_size", "epochs", "lr", "lr_head",
                                        "weight_decay", "lstm_hidden", "dropout", "train_blocks")})


def extract_settings_of(args) -> ExtractSettings:
    return ExtractSettings(frames=args.extract_frames, sampling=args.sampling, faces=FaceSettings(crop_size=args.crop_size))


# --- Model, optimiser, one epoch ---------------------------------------------------------------------


def build_model(recipe: Recipe, weights_path=None) -> tuple[DeepfakeDetector, ModelConfig, str]:
    config = ModelConfig(backbone=recipe.backbone, lstm_hidden=recipe.lstm_hidden, dropout=recipe.dropout)
    model = DeepfakeDetector(config)
    init = load_backbone_weights(model, weights_path)
    model.freeze_backbone(recipe.train_blocks)
    return model, config, init


def make_optimizer(model: DeepfakeDetector, recipe: Recipe, steps_per_epoch: int):
    groups = [{"params": [p for p in model.backbone.parameters() if p.requires_grad], "lr": recipe.lr_backbone},
              {"params": model.head_parameters(), "lr": recipe.lr_head}]
    cls = torch.optim.AdamW if recipe.optimizer == "adamw" else torch.optim.Adam
    optimizer = cls(groups, weight_decay=recipe.weight_decay)
    if recipe.schedule == "onecycle":
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=[recipe.lr_backbone, recipe.lr_head], total_steps=max(1, recipe.epochs * steps_per_epoch),
            pct_start=0.15)
    else:
        scheduler = None
    return optimizer, scheduler


def sequence_loss(out, y: torch.Tensor, step_weight: float) -> torch.Tensor:
    """Cross-entropy of the sequence, plus `step_weight` x that of every step (each step's head output
    should already lean the right way: it is what the per-frame chart shows)."""
    loss = nn.functional.cross_entropy(out.logits.float(), y)
    if step_weight:
        steps = out.step_logits.float()
        loss = loss + step_weight * nn.functional.cross_entropy(steps.flatten(0, 1), y.repeat_interleave(steps.shape[1]))
    return loss


def train_one_epoch(model, loader, optimizer, scheduler, recipe: Recipe, device: str, desc: str, progress: bool) -> float:
    from tqdm import tqdm

    model.train()
    total, count = 0.0, 0
    cuda = str(device).startswith("cuda")
    for x, y in tqdm(loader, desc=desc, unit="batch", leave=False, disable=not progress):
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
            loss = sequence_loss(model(x), y, recipe.step_loss_weight)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / max(count, 1)


def fit(items: list[CachedVideo], recipe: Recipe, device: str, *, seed: int = 0, weights_path=None,
        num_workers: int = 0, progress: bool = True, label: str = "") -> tuple[Detector, list[dict], str]:
    """Train a detector on `items` with `recipe`; (detector, history, backbone provenance)."""
    torch.manual_seed(seed)
    model, config, backbone_init = build_model(recipe, weights_path)
    log.info("%sbackbone %s initialised from %s", label, recipe.backbone,
             "ImageNet weights (" + backbone_init[9:] + ")" if backbone_init != "random"
             else "scratch (random): no ImageNet weights found, expect chance-level results on new people")
    model.to(device)
    if str(device).startswith("cuda"):
        model = model.to(memory_format=torch.channels_last)
    preprocessing = make_preprocessing(recipe.backbone, recipe.size_for(device), recipe.sequence_length, _face_settings(items))
    loader = _train_loader(items, recipe, preprocessing, seed, num_workers)
    optimizer, scheduler = make_optimizer(model, recipe, len(loader))
    history = []
    for epoch in range(1, recipe.epochs + 1):
        t0 = time.time()
        loss = train_one_epoch(model, loader, optimizer, scheduler, recipe, device,
                               f"{label}epoch {epoch}/{recipe.epochs}", progress)
        history.append({"epoch": epoch, "train_loss": loss, "seconds": round(time.time() - t0, 1)})
        log.info("%sepoch %d/%d  loss %.4f  (%.0fs)", label, epoch, recipe.epochs, loss, time.time() - t0)
    model.eval()
    return Detector(model, config, preprocessing, DEFAULT_THRESHOLD, DEFAULT_UNCERTAIN_BAND, str(device), "trained"), history, backbone_init


def _train_loader(items, recipe: Recipe, preprocessing: dict, seed: int, num_workers: int) -> DataLoader:
    preset = train_preset(preprocessing["image_size"], preprocessing["mean"], preprocessing["std"],
                          recipe.min_crop, recipe.brightness, np.random.default_rng(seed))
    dataset = CropSequences(items, recipe.sequence_length, preset, train=True, seed=seed)
    labels = [i.clip.target for i in items]
    sampler = (WeightedRandomSampler(sample_weights(labels), len(labels), generator=torch.Generator().manual_seed(seed))
               if recipe.balanced_sampling else None)
    return DataLoader(dataset, batch_size=recipe.batch_size, shuffle=sampler is None, sampler=sampler,
                      num_workers=num_workers, generator=torch.Generator().manual_seed(seed))


def _face_settings(items: list[CachedVideo]) -> FaceSettings:
    """How the training faces were cut (recorded in the checkpoint, so serving cuts them the same way)."""
    return FaceSettings.from_dict(items[0].entry.meta["settings"]["faces"]) if items else FaceSettings()


# --- Data ------------------------------------------------------------------------------------------------


def prepared_videos(args, clips) -> tuple[list[CachedVideo], list, dict]:
    settings = extract_settings_of(args)
    prep = prepare_cache(clips, args.cache_dir, settings, workers=args.workers, progress=not args.quiet)
    items, left_out = load_cached(clips, args.cache_dir, settings)
    if left_out:
        log.info("left out %d videos with no face or unreadable: %s", len(left_out),
                 ", ".join(Path(c.path).name for c in left_out[:10]))
    return items, left_out, prep


# --- Shared by the split and cross-validation modes -------------------------------------------------------


def labels_of(items) -> np.ndarray:
    return np.array([i.clip.target for i in items], dtype=np.int64)


def choose_rule(labels, scores, rule: str) -> tuple[float, float]:
    """(threshold, uncertain band) from held-out scores; the default rule when they hold one class only."""
    if len(set(np.asarray(labels).tolist())) < 2:
        return DEFAULT_THRESHOLD, DEFAULT_UNCERTAIN_BAND
    threshold = metrics.choose_threshold(labels, scores, rule)
    return threshold, metrics.uncertain_band(labels, scores, threshold)


def log_recipe(recipe: Recipe, device: str, args) -> None:
    log.info("recipe %s: %s at %d px on %s, %d-crop sequences, batch %d, %d epochs, %s lr %g backbone / %g head, "
             "weight decay %g, %s schedule", recipe.name, recipe.backbone, recipe.size_for(device), device,
             recipe.sequence_length, recipe.batch_size, recipe.epochs, recipe.optimizer, recipe.lr_backbone,
             recipe.lr_head, recipe.weight_decay, recipe.schedule)


def describe_data(data, items) -> str:
    groups = len({i.clip.group for i in items})
    return f"{Path(data).resolve().name}: {len(items)} videos ({sum(i.clip.target == 0 for i in items)} real), {groups} identity groups"


def provenance(args, recipe: Recipe, backbone_init: str, split: dict | None) -> dict:
    return plain({
        "backbone_init": backbone_init,
        "trained": True,
        "recipe": recipe.as_dict(),
        "data": str(Path(args.data).resolve()),
        "format": args.format,
        "split": {k: split[k] for k in ("seed", "test_fraction", "val_fraction", "group_aware") if k in split} if split else None,
        "cv_folds": args.cv or None,
        "args": vars(args),
        "torch": str(torch.__version__),
    })


def model_card(args, recipe, detector, backbone_init, threshold, band, evaluation, plot_paths, run_dir, split) -> dict:
    card = {
        "data": str(Path(args.data).resolve()),
        "backbone": recipe.backbone,
        "backbone_init": "imagenet" if backbone_init.startswith("imagenet") else backbone_init,
        "recipe": recipe.name,
        "trained": trained_parts(recipe),
        "image_size": detector.preprocessing["image_size"],
        "frames": recipe.sequence_length, "epochs": recipe.epochs, "lr": recipe.lr_backbone, "lr_head": recipe.lr_head,
        "batch_size": recipe.batch_size, "lstm_hidden": recipe.lstm_hidden,
        "threshold": threshold, "uncertain_band": band, "threshold_rule": args.threshold_rule,
        "evaluation": evaluation,
        # Relative to the run folder, so a moved run still finds them (detector.registry resolves them).
        "plots": {name: str(Path(p).relative_to(run_dir)) for name, p in plot_paths.items()},
    }
    if split and "train" in split:
        card["split"] = {"seed": split["seed"], "group_aware": True, "test_fraction": split["test_fraction"],
                         "val_fraction": split.get("val_fraction"),
                         **{side: {"videos": split[side]["real"] + split[side]["fake"], "real": split[side]["real"],
                                   "fake": split[side]["fake"], "groups": len(split[side]["groups"])}
                            for side in ("train", "val", "test") if side in split}}
    return plain(card)


def trained_parts(recipe: Recipe) -> str:
    if recipe.train_blocks < 0:
        return "whole backbone + LSTM + head (fine-tuned)"
    if recipe.train_blocks == 0:
        return "LSTM + head (backbone frozen)"
    return f"top {recipe.train_blocks} backbone blocks + LSTM + head"


def save_model(path: Path, detector: Detector, threshold, band, metrics_: dict, provenance_: dict, card: dict) -> None:
    save_checkpoint(path, detector.model, detector.config, preprocessing=detector.preprocessing, metrics=plain(metrics_),
                    provenance=provenance_, threshold=threshold, uncertain_band=band, extra={"card": card})


def write_plots(run_dir: Path, history, labels, scores, confusion: dict, threshold: float) -> dict:
    d = run_dir / "plots"
    return {
        "loss": plots.loss_curves(history, d / "loss.png"),
        "roc": plots.roc(labels, scores, d / "roc.png"),
        "confusion": plots.confusion_matrix(confusion, d / "confusion.png"),
        "scores": plots.score_histogram(labels, scores, threshold, d / "scores.png"),
    }


def cache_summary(prep: dict) -> dict:
    return {k: prep[k] for k in ("clips", "cached", "extracted")} | {"no_face": prep["no_face"], "errors": prep["errors"]}


def write_scores(path, items, scores) -> None:
    lines = ["file,label,group,method,compression,p_fake"]
    lines += [f"{i.clip.path},{i.clip.label},{i.clip.group},{i.clip.method},{i.clip.compression},{s:.6f}" for i, s in zip(items, scores)]
    Path(path).write_text("\n".join(lines) + "\n")


def write_json(path: Path, value) -> None:
    Path(path).write_text(json.dumps(plain(value), indent=1))


def plain(value):
    """Only JSON types: checkpoints load with weights_only=True, which refuses numpy scalars and paths."""
    return json.loads(json.dumps(value, default=lambda v: float(v) if hasattr(v, "__float__") else str(v)))
