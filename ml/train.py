"""Train the ResNeXt + LSTM detector on face-crop sequences from the cache (see ml/cache.py).

    python -m ml.train --data ../shared/data/ffpp-sample --output var/runs/first [options]

Defaults follow the method: Adam, lr 1e-5, weight decay 1e-3, batch 4, 20 epochs, cross-entropy,
112x112 crops, ResNeXt-50 32x4d. Three ways to train the backbone:
- fine-tune all of it (default; needs a GPU in practice), crops through the train preset;
- --freeze-backbone: the backbone runs once per video, its features are cached in memory, and only
  the LSTM and head train (the practical path on a CPU);
- --train-layers layer4 (or "layer3,layer4"): the frozen stem and early stages run once, their
  output is cached, and the named stages train with the LSTM and head.
Frozen parts get mirrored copies of every video cached too, so training still sees that augmentation.

Data: a group-aware split (ml/splits.py) puts `--test-fraction` of the groups in the test set, never
seen in training; a second group-aware split of the training groups gives the validation set, which
picks the best epoch, the decision threshold and the uncertain band. The test set is scored once, at
the end, with the saved model.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, WeightedRandomSampler

from ml import metrics, plots
from ml.cache import ExtractSettings, prepare_cache
from ml.data import CropSequences, FeatureSequences, class_weights, load_cached, sample_weights
from ml.datasets import LAYOUTS, load_dataset
from ml.evaluate import format_report, full_report, score_clips
from ml.model import BACKBONES, DeepfakeDetector, ModelConfig
from ml.presets import default_preprocessing, eval_preset, train_preset
from ml.splits import group_split, load_split, save_split, split_record
from ml.weights import load_backbone_weights, load_checkpoint, save_checkpoint

log = logging.getLogger("ml.train")
STAGES = ("layer1", "layer2", "layer3", "layer4")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train the DeepTrace ResNeXt + LSTM detector.")
    add_arguments(parser)
    return parser.parse_args(argv)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options, on any parser (the manage.py command reuses them)."""
    p.add_argument("--data", required=True, help="dataset folder or manifest CSV (see ml/datasets.py)")
    p.add_argument("--format", choices=LAYOUTS, default=None, help="dataset layout; detected when omitted")
    p.add_argument("--output", default="var/runs/run", help="run folder: checkpoint, metrics, split, plots")
    p.add_argument("--cache-dir", default="var/cache/faces", help="face-crop cache (filled when missing)")
    p.add_argument("--extract-frames", type=int, default=20, help="frames sampled per video for the cache")
    p.add_argument("--sampling", choices=("spread", "first"), default="spread")
    p.add_argument("--workers", type=int, default=1, help="processes extracting faces for the cache")
    p.add_argument("--frames", type=int, default=20, help="frames per training sequence")
    p.add_argument("--backbone", choices=BACKBONES, default="resnext50_32x4d")
    p.add_argument("--backbone-weights", help="ImageNet weights file (else $DEEPTRACE_BACKBONE_WEIGHTS / torch cache)")
    p.add_argument("--lstm-hidden", type=int, default=2048)
    p.add_argument("--dropout", type=float, default=0.4)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--lr", type=float, default=1e-5)
    p.add_argument("--weight-decay", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 (default: cuda when available)")
    p.add_argument("--freeze-backbone", action="store_true", help="train only the LSTM and head")
    p.add_argument("--train-layers", default="", help='backbone stages to train, e.g. "layer4" or "layer3,layer4"')
    p.add_argument("--bn-calibration", type=int, default=None,
                   help="videos whose frames re-estimate a frozen random backbone's batch-norm statistics "
                        "(default: all training videos when the backbone is frozen and has no ImageNet weights; 0 turns it off)")
    p.add_argument("--class-weighting", action="store_true", help="weight the loss by inverse class frequency")
    p.add_argument("--balanced-sampling", action="store_true", help="draw both classes equally often")
    p.add_argument("--amp", action="store_true", help="mixed precision (CUDA only)")
    p.add_argument("--patience", type=int, default=5, help="epochs without a better validation AUC before stopping")
    p.add_argument("--test-fraction", type=float, default=0.3)
    p.add_argument("--val-fraction", type=float, default=0.2, help="share of the training groups held for validation")
    p.add_argument("--split", help="reuse a saved split.json instead of drawing one")
    p.add_argument("--threshold-rule", choices=("youden", "eer"), default="youden")
    p.add_argument("--resume", help="a run's last.pt: continue from its epoch, optimizer and split")
    p.add_argument("--num-workers", type=int, default=0, help="DataLoader workers")
    p.add_argument("--bootstrap", type=int, default=1000)
    p.add_argument("--quiet", action="store_true", help="no progress bars")


# --- One epoch, evaluation ---------------------------------------------------------------------------


def train_one_epoch(model, trunk, loader, criterion, optimizer, device, epoch, scaler=None, progress=True) -> float:
    from tqdm import tqdm

    model.train()
    _freeze_bn(model, trunk)
    total, count = 0.0, 0
    for x, y in tqdm(loader, desc=f"epoch {epoch}", unit="batch", leave=False, disable=not progress):
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        with torch.autocast(torch.device(device).type, enabled=scaler is not None):
            loss = criterion(_forward(model, trunk, x).logits.float(), y)
        optimizer.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / max(count, 1)


@torch.inference_mode()
def evaluate(model, trunk, loader, criterion, device) -> tuple[float, np.ndarray, np.ndarray]:
    """(mean loss, labels, P(fake)) over the loader."""
    model.eval()
    losses, labels, scores = [], [], []
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        logits = _forward(model, trunk, x).logits.float()
        losses.append(criterion(logits, y).item() * len(y))
        labels.append(y.cpu().numpy())
        scores.append(torch.softmax(logits, dim=-1)[:, 1].cpu().numpy())
    labels, scores = np.concatenate(labels), np.concatenate(scores)
    return sum(losses) / max(len(labels), 1), labels, scores


def _forward(model: DeepfakeDetector, trunk: nn.Module | None, x: torch.Tensor):
    """`trunk` is the trainable end of the backbone when its start is cached (None: x are crops)."""
    if trunk is None:
        return model(x)
    b, t = x.shape[:2]
    feats = trunk(x.flatten(0, 1)).reshape(b, t, -1)
    return model.classify_features(feats)


def _freeze_bn(model: DeepfakeDetector, trunk) -> None:
    # Frozen backbone parts keep their (calibrated) batch-norm statistics while the rest trains.
    for name, module in model.backbone.named_children():
        if not any(p.requires_grad for p in module.parameters()) and len(list(module.parameters())):
            module.eval()


# --- Backbone: which part trains, which part is cached ---------------------------------------------


def trainable_stages(args) -> list[str]:
    if args.freeze_backbone:
        return []
    if not args.train_layers:
        return list(STAGES)
    stages = [s.strip() for s in args.train_layers.split(",") if s.strip()]
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise SystemExit(f"--train-layers: unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGES)}.")
    # A stage trains only with everything after it training too, or the cache would go stale.
    return list(STAGES[min(STAGES.index(s) for s in stages):])


def split_backbone(backbone: nn.Module, stages: list[str]) -> tuple[nn.Sequential, nn.Sequential]:
    """(frozen prefix, trainable suffix ending in pooled features); the modules are shared with the
    backbone, so training the suffix trains the model."""
    children = list(backbone.named_children())
    first = next((i for i, (n, _) in enumerate(children) if n in stages), len(children) - 2)
    prefix = nn.Sequential(*[m for _, m in children[:first]])
    suffix = nn.Sequential(*[m for _, m in children[first:]], nn.Flatten(1))
    return prefix, suffix


@torch.no_grad()
def calibrate_batchnorm(prefix: nn.Module, items, preset, device, batch_frames: int = 64) -> None:
    """Re-estimate the running mean/var of the prefix's batch norms on training crops.

    A randomly initialised ResNeXt's running stats (mean 0, var 1) do not describe its own
    activations, so in eval mode they grow or vanish layer by layer; cumulative stats from real
    frames make its features usable. They are part of the saved state, so inference matches."""
    bns = [m for m in prefix.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average over all batches
    prefix.train()
    frames = torch.cat([preset(list(item.crops)) for item in items])
    for start in range(0, len(frames), batch_frames):
        prefix(frames[start : start + batch_frames].to(device))
    for bn in bns:
        bn.momentum = 0.1
    prefix.eval()


@torch.inference_mode()
def cache_prefix(prefix: nn.Module, items, preset, device, mirrored: bool, progress: bool) -> list[list[torch.Tensor]]:
    """Prefix outputs of every video's crops, stored as float16 on the CPU; with `mirrored`, a
    horizontally flipped copy as a second variant."""
    from tqdm import tqdm

    prefix.eval()
    out = []
    for item in tqdm(items, desc="backbone features", unit="video", leave=False, disable=not progress):
        x = preset(list(item.crops)).to(device)
        variants = [x, x.flip(-1)] if mirrored else [x]
        out.append([prefix(v).to("cpu", torch.float16) for v in variants])
    return out


# --- Data --------------------------------------------------------------------------------------------


def load_splits(args, clips, resumed: dict | None):
    if resumed:
        record = resumed["extra"]["split"]
        by_path = {c.path: c for c in clips}
        sides = [[by_path[p] for p in record[s]["clips"] if p in by_path] for s in ("train", "val", "test")]
        return (*sides, record)
    if args.split:
        train_all, test = load_split(args.split, clips)
    else:
        train_all, test = group_split(clips, args.test_fraction, args.seed)
    train, val = group_split(train_all, args.val_fraction, args.seed + 1)
    record = split_record(train, test, seed=args.seed, test_fraction=args.test_fraction)
    record["val"] = split_record(train, val, seed=args.seed + 1, test_fraction=args.val_fraction)["test"]
    record["val_fraction"] = args.val_fraction
    _assert_no_leak(train, val, test)
    return train, val, test, record


def _assert_no_leak(train, val, test) -> None:
    sides = [{c.group for c in s} for s in (train, val, test)]
    if sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2]:
        raise RuntimeError("A group straddles the split; refusing to train on leaked data.")


def make_loaders(args, model, stages, train_items, val_items, device, progress):
    """DataLoaders and the trainable backbone end (`trunk`, None when crops go through the whole model)."""
    if len(stages) == len(STAGES):
        train_ds = CropSequences(train_items, args.frames, train_preset(), train=True, seed=args.seed)
        val_ds = CropSequences(val_items, args.frames, eval_preset(), train=False)
        trunk = None
    else:
        prefix, trunk = split_backbone(model.backbone, stages)
        prefix.to(device)
        train_ds = FeatureSequences(cache_prefix(prefix, train_items, eval_preset(), device, True, progress),
                                    [i.clip.target for i in train_items], args.frames, train=True, seed=args.seed)
        val_ds = FeatureSequences(cache_prefix(prefix, val_items, eval_preset(), device, False, progress),
                                  [i.clip.target for i in val_items], args.frames, train=False)
    labels = [i.clip.target for i in train_items]
    sampler = WeightedRandomSampler(sample_weights(labels), len(labels), generator=torch.Generator().manual_seed(args.seed)) if args.balanced_sampling else None
    kw = {"batch_size": args.batch_size, "num_workers": args.num_workers}
    return DataLoader(train_ds, shuffle=sampler is None, sampler=sampler, **kw), DataLoader(val_ds, **kw), trunk


# --- Main --------------------------------------------------------------------------------------------


def main(argv=None) -> dict:
    return run(parse_args(argv))


def run(args: argparse.Namespace) -> dict:
    """Train, pick the threshold on validation, score the test set once, save the run folder."""
    run_dir = Path(args.output)
    run_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(run_dir / "train.log")  # the log lines travel with the run
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log.addHandler(handler)
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)
    try:
        return _train(args, run_dir)
    finally:
        log.removeHandler(handler)
        handler.close()


def _train(args: argparse.Namespace, run_dir: Path) -> dict:
    progress = not args.quiet
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    started = time.time()

    resumed = load_checkpoint(args.resume) if args.resume else None
    settings = ExtractSettings(frames=args.extract_frames, sampling=args.sampling)
    clips = load_dataset(args.data, args.format)
    train_clips, val_clips, test_clips, split = load_splits(args, clips, resumed)
    save_split(run_dir / "split.json", split)
    log.info("data: %d videos, %d groups; train %d, validation %d, test %d (group-aware, seed %d)",
             len(clips), len({c.group for c in clips}), len(train_clips), len(val_clips), len(test_clips), args.seed)

    prep = prepare_cache(train_clips + val_clips + test_clips, args.cache_dir, settings, workers=args.workers, progress=progress)
    train_items, val_items, test_items, left_out = _cached_sides(args.cache_dir, settings, train_clips, val_clips, test_clips)
    if left_out:
        log.info("left out %d videos with no face or unreadable: %s", len(left_out), ", ".join(Path(c.path).name for c in left_out[:10]))

    config = ModelConfig(backbone=args.backbone, lstm_hidden=args.lstm_hidden, dropout=args.dropout)
    model = DeepfakeDetector(config)
    backbone_init = load_backbone_weights(model, args.backbone_weights)
    log.info("backbone %s initialised from %s", args.backbone,
             "ImageNet weights " + backbone_init[9:] if backbone_init != "random" else "scratch (random): no ImageNet weights found")
    stages = trainable_stages(args)
    if resumed:
        model.load_state_dict(resumed["state_dict"])
        backbone_init = resumed["provenance"].get("backbone_init", backbone_init)
    model.to(device)
    bn_videos = _calibrate_if_needed(args, model, stages, backbone_init, train_items, device, resumed)

    full = len(stages) == len(STAGES)  # fine-tuning all of it, stem included
    for name, module in model.backbone.named_children():
        module.requires_grad_(full or name in stages)
    train_loader, val_loader, trunk = make_loaders(args, model, stages, train_items, val_items, device, progress)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=args.lr, weight_decay=args.weight_decay)
    weights = class_weights([i.clip.target for i in train_items]).to(device) if args.class_weighting else None
    criterion = nn.CrossEntropyLoss(weight=weights)
    scaler = torch.amp.GradScaler("cuda") if args.amp and str(device).startswith("cuda") else None
    history, start_epoch, best = [], 1, {"auc": -math.inf, "epoch": 0, "state": None}
    if resumed:
        optimizer.load_state_dict(resumed["extra"]["optimizer"])
        history = resumed["extra"]["history"]
        start_epoch = resumed["extra"]["epoch"] + 1
        best = {"auc": resumed["extra"]["best_auc"], "epoch": resumed["extra"]["best_epoch"],
                "state": resumed["extra"].get("best_state")}
    log.info("training %s on %s: %s trainable parameters; %d epochs, lr %g, batch %d, %d frames",
             ", ".join(stages) + " + LSTM + head" if stages else "LSTM + head (backbone frozen)", device,
             f"{sum(p.numel() for p in params):,}", args.epochs, args.lr, args.batch_size, args.frames)

    preprocessing = default_preprocessing(args.frames)
    provenance = _provenance(args, backbone_init, stages, bn_videos, split)
    for epoch in range(start_epoch, args.epochs + 1):
        t0 = time.time()
        train_loss = train_one_epoch(model, trunk, train_loader, criterion, optimizer, device, epoch, scaler, progress)
        val_loss, val_y, val_s = evaluate(model, trunk, val_loader, criterion, device)
        val_auc = metrics.roc_auc(val_y, val_s)
        val_acc = metrics.threshold_metrics(val_y, val_s, 0.5)["balanced_accuracy"]
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
                        "val_auc": None if math.isnan(val_auc) else val_auc, "val_balanced_accuracy": val_acc,
                        "seconds": time.time() - t0})
        log.info("epoch %d/%d  loss %.4f  val loss %.4f  val AUC %.3f  val balanced acc %.3f  (%.0fs)",
                 epoch, args.epochs, train_loss, val_loss, val_auc, val_acc, time.time() - t0)
        if _better(val_auc, val_loss, best, history):
            best = {"auc": val_auc, "epoch": epoch, "state": copy.deepcopy(model.state_dict())}
        _save_last(run_dir, model, config, preprocessing, provenance, optimizer, history, epoch, best, split)
        if epoch - best["epoch"] >= args.patience:
            log.info("early stop: validation AUC has not improved for %d epochs (best %.3f at epoch %d)",
                     args.patience, best["auc"], best["epoch"])
            break

    model.load_state_dict(best["state"] or model.state_dict())
    result = _finish(args, model, config, preprocessing, provenance, history, best, val_loader, trunk, criterion,
                     device, test_items, run_dir, split, prep, left_out, started, progress)
    return result


def _cached_sides(cache_dir, settings, *sides):
    out, left_out = [], []
    for side in sides:
        items, missing = load_cached(side, cache_dir, settings)
        out.append(items)
        left_out += missing
    return (*out, left_out)


def _calibrate_if_needed(args, model, stages, backbone_init, train_items, device, resumed) -> int:
    n = args.bn_calibration
    if n is None:
        n = len(train_items) if backbone_init == "random" and len(stages) < len(STAGES) else 0
    if n <= 0 or resumed:
        return 0
    prefix, _ = split_backbone(model.backbone, [])  # the whole backbone: stats below a trained stage matter too
    calibrate_batchnorm(prefix, train_items[:n], eval_preset(), device)
    log.info("batch-norm statistics of the random backbone re-estimated on %d training videos", n)
    return n


def _better(val_auc: float, val_loss: float, best: dict, history: list) -> bool:
    if math.isnan(val_auc):  # a validation set with one class: fall back to the loss
        return best["state"] is None or val_loss <= min(h["val_loss"] for h in history)
    return val_auc > best["auc"]


def _provenance(args, backbone_init, stages, bn_videos, split) -> dict:
    return {
        "backbone_init": backbone_init,
        "trained_stages": stages,
        "bn_calibrated_on_videos": bn_videos,
        "data": str(Path(args.data).resolve()),
        "format": args.format,
        "split": {k: split[k] for k in ("seed", "test_fraction", "val_fraction", "group_aware")},
        "args": {k: v for k, v in vars(args).items() if k != "resume"},
        "torch": str(torch.__version__),
    }


def _save_last(run_dir, model, config, preprocessing, provenance, optimizer, history, epoch, best, split) -> None:
    save_checkpoint(
        run_dir / "last.pt", model, config, preprocessing=preprocessing, metrics={}, provenance=_plain(provenance),
        threshold=0.5, uncertain_band=0.1,
        extra={"optimizer": optimizer.state_dict(), "history": _plain(history), "epoch": epoch, "split": split,
               "best_auc": float(best["auc"]), "best_epoch": best["epoch"], "best_state": best["state"]},
    )


def _finish(args, model, config, preprocessing, provenance, history, best, val_loader, trunk, criterion,
            device, test_items, run_dir, split, prep, left_out, started, progress) -> dict:
    _, val_y, val_s = evaluate(model, trunk, val_loader, criterion, device)
    threshold = metrics.choose_threshold(val_y, val_s, args.threshold_rule)
    band = metrics.uncertain_band(val_y, val_s, threshold)
    val_report = metrics.classification_report(val_y, val_s, threshold, bootstrap=0)
    test_y = np.array([i.clip.target for i in test_items])
    test_s = score_clips(model, test_items, eval_preset(), device, progress)
    test_report = full_report(test_items, test_y, test_s, threshold, bootstrap=args.bootstrap, seed=args.seed)
    log.info("held-out test (groups never trained on):\n%s", format_report(test_report))

    plot_paths = _plots(run_dir, history, test_y, test_s, test_report, threshold)
    summary = {
        "best_epoch": best["epoch"], "epochs_run": len(history), "threshold": threshold, "uncertain_band": band,
        "threshold_rule": args.threshold_rule, "validation": val_report, "test": test_report, "history": history,
        "cache": {k: prep[k] for k in ("clips", "cached", "extracted")} | {"no_face": prep["no_face"], "errors": prep["errors"]},
        "left_out": [c.path for c in left_out], "train_seconds": time.time() - started,
    }
    card = _card(args, run_dir, provenance, split, threshold, band, plot_paths, summary)
    save_checkpoint(run_dir / "model.pt", model, config, preprocessing=preprocessing,
                    metrics=_plain(_headline(summary)), provenance=_plain(provenance), threshold=threshold,
                    uncertain_band=band, extra={"card": _plain(card)})
    (run_dir / "metrics.json").write_text(json.dumps(summary, indent=1, default=float))
    (run_dir / "card.json").write_text(json.dumps(card, indent=1, default=float))
    _write_scores(run_dir / "test_scores.csv", test_items, test_s)
    log.info("saved %s (threshold %.3f, uncertain band %.2f)", run_dir / "model.pt", threshold, band)
    return {"run_dir": str(run_dir), "checkpoint": str(run_dir / "model.pt"), **summary, "card": card}


def _plain(value):
    """Only JSON types: checkpoints load with weights_only=True, which refuses numpy scalars and paths."""
    return json.loads(json.dumps(value, default=lambda v: float(v) if hasattr(v, "__float__") else str(v)))


def _headline(summary: dict) -> dict:
    t = summary["test"]
    keys = ("auc", "auc_ci95", "average_precision", "eer", "accuracy", "balanced_accuracy", "precision", "recall", "f1", "confusion", "n", "n_real", "n_fake")
    return {**{f"test_{k}": t[k] for k in keys}, "per_method": t["per_method"], "per_compression": t["per_compression"],
            "val_auc": summary["validation"]["auc"], "best_epoch": summary["best_epoch"], "epochs_run": summary["epochs_run"]}


def _card(args, run_dir, provenance, split, threshold, band, plot_paths, summary) -> dict:
    return {
        "data": provenance["data"],
        "split": {"seed": split["seed"], "group_aware": True, "test_fraction": split["test_fraction"],
                  "val_fraction": split["val_fraction"],
                  **{side: {"videos": split[side]["real"] + split[side]["fake"], "real": split[side]["real"],
                            "fake": split[side]["fake"], "groups": len(split[side]["groups"])}
                     for side in ("train", "val", "test")}},
        "backbone": args.backbone,
        "backbone_init": provenance["backbone_init"],
        "trained": (", ".join(provenance["trained_stages"]) + " + LSTM + head") if provenance["trained_stages"] else "LSTM + head (backbone frozen)",
        "bn_calibrated_on_videos": provenance["bn_calibrated_on_videos"],
        "frames": args.frames, "epochs": summary["epochs_run"], "best_epoch": summary["best_epoch"],
        "lr": args.lr, "batch_size": args.batch_size, "lstm_hidden": args.lstm_hidden,
        "threshold": threshold, "uncertain_band": band, "threshold_rule": args.threshold_rule,
        # Relative to the run folder, so a moved run still finds them (detector.registry resolves them).
        "plots": {name: str(Path(p).relative_to(run_dir)) for name, p in plot_paths.items()},
    }


def _plots(run_dir, history, y, s, report, threshold) -> dict:
    d = run_dir / "plots"
    return {
        "loss": plots.loss_curves(history, d / "loss.png"),
        "roc": plots.roc(y, s, d / "roc.png"),
        "confusion": plots.confusion_matrix(report["confusion"], d / "confusion.png"),
        "scores": plots.score_histogram(y, s, threshold, d / "scores.png"),
    }


def _write_scores(path, items, scores) -> None:
    lines = ["file,label,group,method,compression,p_fake"]
    lines += [f"{i.clip.path},{i.clip.label},{i.clip.group},{i.clip.method},{i.clip.compression},{s:.6f}" for i, s in zip(items, scores)]
    Path(path).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    main(sys.argv[1:])
