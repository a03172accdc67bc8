"""The training loop: a detector built from a recipe, its optimiser, one epoch, and `fit`. What a run
leaves behind (checkpoint, card, plots, scores) is ml/training/outputs.py's; how the videos are divided
and reported on, ml/training/fit_and_report.py's.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, WeightedRandomSampler

from ml.decision import DEFAULT_THRESHOLD, DEFAULT_UNCERTAIN_BAND
from ml.model.checkpoint import Detector, load_backbone_weights
from ml.model.network import DeepfakeDetector, ModelConfig
from ml.model.presets import make_preprocessing, train_preset
from ml.training.face_cache import ExtractSettings
from ml.training.precision import StepMode, step_mode
from ml.training.recipes import Recipe
from ml.training.sequences import (
    CachedVideo,
    CropSequences,
    reseed_worker,
    sample_weights,
)

log = logging.getLogger("ml.training.train")  # one logger: a run's train.log collects every module's lines


@dataclass
class Fitted:
    detector: Detector  # in eval mode; threshold and band are the defaults until a rule is chosen
    history: list[dict]  # per epoch: epoch, train_loss, seconds, image_size (what the batches trained at)
    backbone_init: str  # "imagenet:<path>" or "random"
    steps: str  # how the training steps computed (StepMode.describe), for the card and provenance


# --- Model, optimiser, one epoch ---------------------------------------------------------------------


def build_model(recipe: Recipe, weights_path=None) -> tuple[DeepfakeDetector, ModelConfig, str]:
    config = ModelConfig(backbone=recipe.backbone, lstm_hidden=recipe.lstm_hidden, dropout=recipe.dropout)
    model = DeepfakeDetector(config)
    init = load_backbone_weights(model, weights_path)
    model.freeze_backbone(recipe.train_blocks)
    if recipe.frozen_bn:
        model.freeze_bn_statistics()
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


def scaled_down(x: torch.Tensor, size: int | None) -> torch.Tensor:
    """A batch of sequences (B, T, 3, H, W) resized to size x size, antialiased (plain bilinear would
    alias the fine texture the detector reads); as it is where size is None."""
    if size is None or x.shape[-1] == size:
        return x
    frames = nn.functional.interpolate(x.flatten(0, 1), size=(size, size), mode="bilinear", antialias=True,
                                       align_corners=False)
    return frames.unflatten(0, x.shape[:2])


def train_one_epoch(model, loader, optimizer, scheduler, recipe: Recipe, device: str, desc: str, progress: bool,
                    mode: StepMode, size: int | None = None) -> float:
    """One pass over the loader; `size`, where given, is the side the batches are scaled down to."""
    from tqdm import tqdm

    model.train()
    total, count = 0.0, 0
    for x, y in tqdm(loader, desc=desc, unit="batch", leave=False, disable=not progress):
        x, y = scaled_down(x.to(device, non_blocking=True), size), y.to(device, non_blocking=True)
        with mode.autocast_context():
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
        num_workers: int = 0, progress: bool = True, label: str = "", after_epoch=None) -> Fitted:
    """Train a detector on `items` with `recipe`. `after_epoch(epoch, detector)`, where given, sees the
    model as it stands after each epoch but the last (in eval mode, for scoring; training resumes as if
    it had not looked)."""
    torch.manual_seed(seed)
    model, config, backbone_init = build_model(recipe, weights_path)
    log.info("%sbackbone %s initialised from %s", label, recipe.backbone,
             "ImageNet weights (" + backbone_init[9:] + ")" if backbone_init != "random"
             else "scratch (random): no ImageNet weights found, expect chance-level results on new people")
    model.to(device)
    mode = step_mode(recipe.precision, device)
    log.info("%straining steps in %s", label, mode.describe())
    extract = _extraction(items)
    preprocessing = make_preprocessing(recipe.backbone, recipe.size_for(device), recipe.sequence_length,
                                       extract.faces, extract.extraction())
    loader = _train_loader(items, recipe, preprocessing, seed, num_workers)
    optimizer, scheduler = make_optimizer(model, recipe, len(loader))
    history = []
    with mode.applied_to(model):
        for epoch in range(1, recipe.epochs + 1):
            t0 = time.time()
            size = recipe.step_size(epoch, device)
            loss = train_one_epoch(model, loader, optimizer, scheduler, recipe, device,
                                   f"{label}epoch {epoch}/{recipe.epochs}", progress, mode, size)
            history.append({"epoch": epoch, "train_loss": loss, "seconds": round(time.time() - t0, 1),
                            "image_size": size or preprocessing["image_size"]})
            log.info("%sepoch %d/%d  loss %.4f  (%.0fs%s)", label, epoch, recipe.epochs, loss, time.time() - t0,
                     f", at {size} px" if size else "")
            if after_epoch is not None and epoch < recipe.epochs:
                _look(model, lambda: after_epoch(epoch, _detector(model, config, preprocessing, device)))
    model.eval()
    if recipe.tta_flip:
        preprocessing["tta_flip"] = True  # serving scores the mirrored crops too (ml/serving/scoring.py)
    return Fitted(_detector(model, config, preprocessing, device), history, backbone_init, mode.describe())


def _detector(model, config, preprocessing: dict, device) -> Detector:
    """The model as serving would score with it, before a threshold is chosen."""
    return Detector(model, config, preprocessing, DEFAULT_THRESHOLD, DEFAULT_UNCERTAIN_BAND, str(device), "trained")


def _look(model, look) -> None:
    """Run `look` on the model in eval mode, then put it back in training. Scoring in eval mode draws no
    random numbers (no dropout; the loaders have their own generators); the CPU stream is forked anyway,
    so that a look that did draw could not change the rest of training."""
    with torch.random.fork_rng(devices=[]):
        model.eval()
        try:
            look()
        finally:
            model.train()


def _train_loader(items, recipe: Recipe, preprocessing: dict, seed: int, num_workers: int) -> DataLoader:
    preset = train_preset(preprocessing["image_size"], preprocessing["mean"], preprocessing["std"],
                          recipe.min_crop, recipe.brightness, np.random.default_rng(seed), recipe.augmentation)
    dataset = CropSequences(items, recipe.sequence_length, preset, train=True, seed=seed,
                            self_blend_rate=recipe.self_blend_rate)
    labels = [i.clip.target for i in items]
    sampler = (WeightedRandomSampler(sample_weights(labels), len(labels), generator=torch.Generator().manual_seed(seed))
               if recipe.balanced_sampling else None)
    return DataLoader(dataset, batch_size=recipe.batch_size, shuffle=sampler is None, sampler=sampler,
                      num_workers=num_workers, generator=torch.Generator().manual_seed(seed),
                      worker_init_fn=reseed_worker if num_workers else None)


def _extraction(items: list[CachedVideo]) -> ExtractSettings:
    """How the training faces were extracted, read from the cache itself (recorded in the checkpoint, so
    serving cuts faces the same way and evaluation samples videos the same way)."""
    return ExtractSettings.from_dict(items[0].entry.meta["settings"]) if items else ExtractSettings()
