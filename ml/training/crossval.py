"""Group k-fold cross-validation: how well a recipe does on people it has never seen.

Groups are identity-closed (every clip showing or made from the same people shares one), so each
fold's held-out videos show only people no training video of that fold shows. Each video is scored
once, by the model of the fold that held it out (its out-of-fold score), exactly as the product scores
a video (ml.training.train.score_videos). Reported: AUC per fold with mean ± sd, the pooled out-of-fold AUC
with a bootstrap 95% interval, per-method AUCs, and the threshold and uncertain band chosen on the
out-of-fold scores. With --final, a model is then trained on every video and saved with that
threshold and this evaluation as its card: the release candidate.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

from ml.training import metrics
from ml.training.datasets import Clip, load_dataset
from ml.training.evaluate import format_report, full_report, score_videos
from ml.training.loop import (
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

log = logging.getLogger("ml.training.train")


def group_kfold(clips: list[Clip], k: int, seed: int = 0) -> list[list[Clip]]:
    """K folds of whole groups, balanced on both classes: groups (largest first, ties shuffled) go
    to the fold that is furthest below its share of the group's majority class."""
    if k < 2:
        raise ValueError("Cross-validation needs at least 2 folds.")
    groups: dict[str, list[Clip]] = defaultdict(list)
    for clip in clips:
        groups[clip.group].append(clip)
    if len(groups) < k:
        raise ValueError(f"{len(groups)} identity groups cannot fill {k} folds; use --cv {len(groups)} or fewer.")
    names = sorted(groups)
    random.Random(seed).shuffle(names)
    names.sort(key=lambda g: -len(groups[g]))
    folds: list[list[Clip]] = [[] for _ in range(k)]
    for name in names:
        members = groups[name]
        fakes = sum(c.label == "fake" for c in members)
        key = "fake" if fakes * 2 >= len(members) else "real"
        target = min(range(k), key=lambda f: (sum(c.label == key for c in folds[f]), len(folds[f])))
        folds[target].extend(members)
    return folds


def run(args, run_dir: Path) -> dict:
    started = time.time()
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    recipe = recipe_of(args)
    clips = load_dataset(args.data, args.format)
    items, left_out, prep = prepared_videos(args, clips)
    folds = group_kfold([i.clip for i in items], args.cv, args.seed)
    fold_of = {c.path: f for f, fold in enumerate(folds) for c in fold}
    log.info("data: %d videos with faces, %d groups, %d folds of %s videos", len(items),
             len({i.clip.group for i in items}), args.cv, "/".join(str(len(f)) for f in folds))
    log_recipe(recipe, device, args)

    oof = np.full(len(items), np.nan)
    per_fold, history = [], []
    for f in range(args.cv):
        train = [i for i in items if fold_of[i.clip.path] != f]
        held = [n for n, i in enumerate(items) if fold_of[i.clip.path] == f]
        _assert_disjoint(train, [items[n] for n in held])
        detector, fold_history, backbone_init = fit(train, recipe, device, seed=args.seed + f,
                                                    weights_path=args.backbone_weights, num_workers=args.num_workers,
                                                    progress=not args.quiet, label=f"fold {f + 1}/{args.cv} ")
        oof[held] = score_videos(detector, [items[n] for n in held])
        y = labels_of([items[n] for n in held])
        per_fold.append({"fold": f + 1, "videos": len(held), "real": int((y == 0).sum()),
                         "groups": len({items[n].clip.group for n in held}), "auc": metrics.roc_auc(y, oof[held])})
        history.extend({**h, "fold": f + 1} for h in fold_history)
        log.info("fold %d/%d: held-out AUC %.3f on %d videos (%d real)", f + 1, args.cv, per_fold[-1]["auc"], len(held), (y == 0).sum())
        del detector

    y = labels_of(items)
    threshold, band = choose_rule(y, oof, args.threshold_rule)
    pooled = full_report(items, y, oof, threshold, bootstrap=args.bootstrap, seed=args.seed)
    fold_aucs = np.array([p["auc"] for p in per_fold if not np.isnan(p["auc"])])
    evaluation = {
        "auc": float(fold_aucs.mean()), "auc_sd": float(fold_aucs.std(ddof=1)) if len(fold_aucs) > 1 else None,
        "pooled_auc": pooled["auc"], "auc_ci95": pooled["auc_ci95"],
        "protocol": f"{args.cv}-fold group cross-validation (identity-closed groups, seed {args.seed}): "
                    "each video scored by a model that never saw its people",
        "data": describe_data(args.data, items), "videos": len(items),
        "balanced_accuracy": pooled["balanced_accuracy"], "per_method": pooled["per_method"], "folds": per_fold,
    }
    log.info("cross-validation: AUC %.3f ± %.3f over %d folds (pooled out-of-fold %.3f)\n%s", evaluation["auc"],
             evaluation["auc_sd"] or 0.0, args.cv, pooled["auc"], format_report(pooled))
    summary = {"recipe": recipe.as_dict(), "threshold": threshold, "uncertain_band": band, "cv": evaluation,
               "out_of_fold": pooled, "history": history, "left_out": [c.path for c in left_out],
               "seconds": round(time.time() - started, 1)}
    write_scores(run_dir / "oof_scores.csv", items, oof)
    plot_paths = write_plots(run_dir, [h for h in history if h["fold"] == 1], y, oof, pooled["confusion"], threshold)
    result = {"run_dir": str(run_dir), **summary}
    if args.final:
        detector, final_history, backbone_init = fit(items, recipe, device, seed=args.seed,
                                                     weights_path=args.backbone_weights, num_workers=args.num_workers,
                                                     progress=not args.quiet, label="all videos ")
        card = model_card(args, recipe, detector, backbone_init, threshold, band, evaluation, plot_paths, run_dir, None)
        metrics_ = {"cv_auc": evaluation["auc"], "cv_auc_sd": evaluation["auc_sd"], "cv_pooled_auc": pooled["auc"],
                    "cv_balanced_accuracy": pooled["balanced_accuracy"], "cv_folds": args.cv, "videos": len(items),
                    "per_method": pooled["per_method"]}
        save_model(run_dir / "model.pt", detector, threshold, band, metrics_, provenance(args, recipe, backbone_init, None), card)
        write_json(run_dir / "card.json", card)
        summary["final_history"] = final_history
        result.update(checkpoint=str(run_dir / "model.pt"), card=card)
        log.info("saved %s, trained on all %d videos (threshold %.3f from the folds)", run_dir / "model.pt", len(items), threshold)
    write_json(run_dir / "cv.json", summary)
    return result


def _assert_disjoint(train, held) -> None:
    if {i.clip.group for i in train} & {i.clip.group for i in held}:
        raise RuntimeError("A group straddles a fold; refusing to measure on leaked data.")
