"""Group k-fold cross-validation: how well a recipe does on people it has never seen.

Groups are identity-closed (every clip showing or made from the same people shares one), so each
fold's held-out videos show only people no training video of that fold shows. Each video is scored
once, by the model of the fold that held it out (its out-of-fold score), exactly as the product scores
a video (ml.training.evaluate.score_videos). Reported: AUC per fold with mean ± sd and the median score of
the fold's reals and of its fakes (where each fold model puts its videos), the pooled out-of-fold AUC
with a bootstrap 95% interval, per-method AUCs, and the threshold and uncertain band chosen on the
out-of-fold scores. Each fold's model also scores its videos the other way (with the mirrored crops
averaged in, or without them when the recipe flips), so cv.json's "tta_flip" compares test-time flip
against none on the same models: a paired measurement, free of the seed-to-seed spread. They also
score them as an upload is scored, from 20 frames a video rather than the cache's 32 (cv.json's
"served_frames"): the calibration and the threshold are fitted on the 32-frame scores, so this says
how far the served probabilities stray from them. All three from one backbone pass
(ml.training.evaluate.score_held_out). With
--final, a model is then trained on every video and saved with that threshold and this evaluation as
its card: the release candidate. The report itself is ml/training/fit_and_report.py's, as in the split
mode.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict

import numpy as np

from ml.model.calibration import calibrate
from ml.results import AnalyzeOptions
from ml.training import metrics
from ml.training.calibration import HALVINGS, cross_fitted_ece, spread
from ml.training.datasets import Clip
from ml.training.division import Division, HeldOut, train_on
from ml.training.evaluate import identity_groups, score_held_out, score_videos
from ml.training.sequences import labels_of

log = logging.getLogger("ml.training.train")
SERVED_FRAMES = AnalyzeOptions().frames  # frames an upload is scored on, by default


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


class KFolds(Division):
    summary_file = "cv.json"
    scores_file = "oof_scores.csv"

    def held_out(self, clips, items) -> HeldOut:
        cfg = self.config
        folds = group_kfold([i.clip for i in items], cfg.cv, cfg.seed)
        fold_of = {clip.path: f for f, fold in enumerate(folds) for clip in fold}
        log.info("data: %d videos with faces, %d groups, %d folds of %s videos", len(items),
                 len({i.clip.group for i in items}), cfg.cv, "/".join(str(len(f)) for f in folds))
        oof = np.full(len(items), np.nan)
        self.other_way = np.full(len(items), np.nan)  # the same models' scores with the flip toggled
        self.served = np.full(len(items), np.nan)  # ... and from SERVED_FRAMES frames, as an upload is scored
        self.by_epoch: dict[int, np.ndarray] = {}  # --score-every: out-of-fold scores after earlier epochs
        per_fold, history = [], []
        for f in range(cfg.cv):
            held = [n for n, i in enumerate(items) if fold_of[i.clip.path] == f]
            per_fold.append(self._fold(f, items, held, oof))
            history.extend({**h, "fold": f + 1} for h in per_fold[-1].pop("history"))
        final = train_on(cfg, items, label="all videos ") if cfg.final else None
        return HeldOut(items=items, scores=oof, rule_items=items, rule_scores=oof, history=history, model=final,
                       folds=per_fold)

    def _fold(self, f: int, items, held: list[int], oof: np.ndarray) -> dict:
        """Train without fold `f`, score its videos into `oof` (and the other way into `other_way`); the
        fold's row (with its history)."""
        held_set = set(held)
        train = [i for n, i in enumerate(items) if n not in held_set]
        _assert_disjoint(train, [items[n] for n in held])
        held_items = [items[n] for n in held]
        label = f"fold {f + 1}/{self.config.cv}"
        fitted = train_on(self.config, train, seed_offset=f, label=label + " ",
                          after_epoch=self._scorer(label, held, held_items, len(items)))
        flip = self.config.recipe.tta_flip
        scores = score_held_out(fitted.detector, held_items, SERVED_FRAMES, flip)
        oof[held], self.other_way[held] = (scores.with_flip, scores.without) if flip else (scores.without, scores.with_flip)
        self.served[held] = scores.served
        y = labels_of(held_items)
        row = {"fold": f + 1, "videos": len(held), "real": int((y == 0).sum()),
               "groups": len({items[n].clip.group for n in held}), "auc": metrics.roc_auc(y, oof[held]),
               **_score_levels(y, oof[held])}
        log.info("fold %d/%d: held-out AUC %.3f on %d videos (%d real); median P(fake) of its reals %s, of its fakes %s",
                 f + 1, self.config.cv, row["auc"], len(held), row["real"], _p(row["median_p_real"]),
                 _p(row["median_p_fake"]))
        return {**row, "history": fitted.history}

    def _scorer(self, label: str, held: list[int], held_items, n_items: int):
        """With --score-every N: a look after every N-th epoch that scores the fold's held-out videos."""
        every = self.config.score_every
        if not every:
            return None

        def score(epoch: int, detector) -> None:
            if epoch % every == 0:
                scores = self.by_epoch.setdefault(epoch, np.full(n_items, np.nan))
                scores[held] = score_videos(detector, held_items, flip=self.config.recipe.tta_flip)
                log.info("%s held-out AUC after epoch %d: %.3f", label, epoch,
                         metrics.roc_auc(labels_of(held_items), scores[held]))
        return score

    def _auc_by_epoch(self, held: HeldOut) -> dict:
        """Pooled out-of-fold AUC after each scored epoch (and the last): how many epochs the recipe needs."""
        if not self.by_epoch:
            return {}
        y = labels_of(held.items)
        curve = {epoch: s for epoch, s in sorted(self.by_epoch.items())} | {self.config.recipe.epochs: held.scores}
        groups, _ = _resampled(held)
        out = {str(epoch): {"pooled_auc": metrics.roc_auc(y, s), "pooled_auc_ci95": metrics.bootstrap_auc_ci(
            y, s, n=self.config.bootstrap, seed=self.config.seed, groups=groups)} for epoch, s in curve.items()}
        log.info("pooled out-of-fold AUC by epoch: %s",
                 ", ".join(f"{e}: {r['pooled_auc']:.3f}" for e, r in out.items()))
        return out

    def protocol(self) -> str:
        return (f"{self.config.cv}-fold group cross-validation (identity-closed groups, seed {self.config.seed}): "
                "each video scored by a model that never saw its people")

    def evaluation(self, held: HeldOut, report: dict, calibration: dict | None = None) -> dict:
        fold_aucs = np.array([p["auc"] for p in held.folds if not np.isnan(p["auc"])])
        result = {"auc": float(fold_aucs.mean()), "auc_sd": float(fold_aucs.std(ddof=1)) if len(fold_aucs) > 1 else None,
                  "pooled_auc": report["auc"], "folds": held.folds, "tta_flip": self._flip_comparison(held),
                  "served_frames": self._served_comparison(held, report, calibration)}
        by_epoch = self._auc_by_epoch(held)
        if by_epoch:
            result["auc_by_epoch"] = by_epoch
        return result

    def _flip_comparison(self, held: HeldOut) -> dict:
        """Pooled out-of-fold AUC of the same fold models scored without and with the mirrored crops, and
        the paired bootstrap interval of the difference (resampling identity groups, both scores together)."""
        y = labels_of(held.items)
        flipped = self.config.recipe.tta_flip
        with_flip, without = (held.scores, self.other_way) if flipped else (self.other_way, held.scores)
        if len(set(y.tolist())) < 2:
            return {}
        groups, unit = _resampled(held)
        gain, interval = metrics.paired_auc_difference(y, with_flip, without, n=self.config.bootstrap,
                                                       seed=self.config.seed, groups=groups)
        result = {"pooled_auc_without": metrics.roc_auc(y, without), "pooled_auc_with": metrics.roc_auc(y, with_flip),
                  "gain": gain, "gain_ci95": interval, "gain_ci95_resamples": unit}
        log.info("test-time flip on the same fold models: pooled AUC %.3f without, %.3f with (gain %+.3f, 95%% CI "
                 "%+.3f..%+.3f)", result["pooled_auc_without"], result["pooled_auc_with"], gain, *interval)
        return result

    def _served_comparison(self, held: HeldOut, report: dict, calibration: dict | None) -> dict:
        """The out-of-fold scores as uploads get them (SERVED_FRAMES frames a video) against the cached
        frames' that the calibration and the threshold were fitted on, both through that calibration, on
        the videos the cache can stand for (ml.training.evaluate.served_subset; the others counted as
        skipped): pooled AUC and its paired difference, calibration error, balanced accuracy at the
        chosen threshold, and how far a video's probability moves (median and 90th percentile)."""
        measured = np.isfinite(self.served)
        y = labels_of(held.items)[measured]
        result = {"frames": SERVED_FRAMES, "videos": int(measured.sum()), "videos_skipped": int((~measured).sum())}
        if len(set(y.tolist())) < 2:
            log.info("scored as uploads are (%d frames a video): not measured, %d of %d videos skipped "
                     "(ml.training.evaluate.served_subset)", SERVED_FRAMES, result["videos_skipped"], len(measured))
            return result
        cached = calibrate(held.scores[measured], calibration)
        served = calibrate(self.served[measured], calibration)
        groups, unit = metrics.resampling_unit(np.array(identity_groups(held.items))[measured].tolist())
        difference, interval = metrics.paired_auc_difference(y, served, cached, n=self.config.bootstrap,
                                                             seed=self.config.seed, groups=groups)
        threshold, shift = report["threshold"], np.abs(served - cached)
        result |= {"pooled_auc": metrics.roc_auc(y, served), "pooled_auc_cached": metrics.roc_auc(y, cached),
                   "difference": difference, "difference_ci95": interval, "difference_ci95_resamples": unit,
                   "ece": metrics.expected_calibration_error(y, served),
                   "ece_cached": metrics.expected_calibration_error(y, cached),
                   "balanced_accuracy": metrics.threshold_metrics(y, served, threshold)["balanced_accuracy"],
                   "balanced_accuracy_cached": metrics.threshold_metrics(y, cached, threshold)["balanced_accuracy"],
                   "median_shift": float(np.median(shift)), "p90_shift": float(np.quantile(shift, 0.9))}
        if calibration is not None:
            people = np.array(identity_groups(held.items))[measured]  # halved whenever there are two or more
            result["ece_cross_fitted"] = self._refit_on_served(y, held.scores[measured], self.served[measured],
                                                               people, calibration["method"])
        log.info("scored as uploads are (%d frames a video, %d videos, %d skipped): pooled AUC %.3f against %.3f "
                 "(%+.3f, 95%% CI %+.3f..%+.3f), ECE %.3f against %.3f, balanced accuracy %.3f against %.3f; a "
                 "video's probability moves by %.3f (median), %.3f (90th percentile)", SERVED_FRAMES, result["videos"],
                 result["videos_skipped"], result["pooled_auc"], result["pooled_auc_cached"], difference, *interval,
                 result["ece"], result["ece_cached"], result["balanced_accuracy"], result["balanced_accuracy_cached"],
                 result["median_shift"], result["p90_shift"])
        return result

    def _refit_on_served(self, y, cached, served, groups, method: str) -> dict:
        """Would the served probability be better calibrated with the map fitted on the served scores?
        Both maps fitted on half the identity groups and measured on the served scores of the other
        half (ml.training.calibration.cross_fitted_ece), so neither is measured on what it was fitted on;
        with the paired difference (served fit minus cached fit; below zero: refitting helps)."""
        refit = cross_fitted_ece(y, {"fitted_on_cached": cached, "fitted_on_served": served}, served, groups, method,
                                 seed=self.config.seed)
        ece = refit.pop("ece")
        if ece["fitted_on_cached"] is None:
            log.info("calibration of the served scores, refitted: not measured (no half of the %s held both "
                     "classes)", refit["halves"])
            return refit
        difference = np.subtract(ece["fitted_on_served"].pop("values"), ece["fitted_on_cached"].pop("values"))
        refit |= ece | {"difference": spread(difference)}
        log.info("calibration of the served scores, fitted on half the %s and measured on the other (%d "
                 "measurements: %d halvings, both ways): ECE %.3f (10-90%% %.3f-%.3f) with the map fitted on the "
                 "cached frames, %.3f (%.3f-%.3f) fitted on the served ones; difference %+.3f (%+.3f..%+.3f)",
                 refit["halves"], refit["measurements"], HALVINGS,
                 refit["fitted_on_cached"]["median"], *refit["fitted_on_cached"]["p10_p90"],
                 refit["fitted_on_served"]["median"], *refit["fitted_on_served"]["p10_p90"],
                 refit["difference"]["median"], *refit["difference"]["p10_p90"])
        return refit

    def headline(self, evaluation: dict) -> str:
        return (f"cross-validation: AUC {evaluation['auc']:.3f} ± {evaluation['auc_sd'] or 0.0:.3f} over "
                f"{self.config.cv} folds (pooled out-of-fold {evaluation['pooled_auc']:.3f})")

    def summary(self, held: HeldOut, report: dict, evaluation: dict, seconds: float) -> dict:
        final = {"final_history": held.model.history} if held.model else {}
        return {"cv": evaluation, "out_of_fold": report, "seconds": seconds, **final}

    def checkpoint_metrics(self, held: HeldOut, report: dict, evaluation: dict) -> dict:
        return {"cv_auc": evaluation["auc"], "cv_auc_sd": evaluation["auc_sd"], "cv_pooled_auc": report["auc"],
                "cv_balanced_accuracy": report["balanced_accuracy"], "cv_folds": self.config.cv,
                "videos": len(held.items), "per_method": report["per_method"]}


def _score_levels(y: np.ndarray, scores: np.ndarray) -> dict:
    """Where a fold model puts its held-out reals and fakes (None for a class the fold lacks). Each fold's
    AUC only ranks its own videos; the pooled AUC also compares videos scored by different models, so
    where those models disagree on the level (one calls its reals 0.1, another 0.9) the pooled figure
    falls below the folds' mean, and so does the worth of one threshold chosen for all of them."""
    return {"median_p_real": _median(scores[y == 0]), "median_p_fake": _median(scores[y == 1])}


def _median(scores: np.ndarray) -> float | None:
    return float(np.median(scores)) if len(scores) else None


def _p(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _resampled(held: HeldOut) -> tuple[object, str]:
    """What the bootstraps of these out-of-fold scores resample, as the run's report does (metrics.resampling_unit)."""
    return metrics.resampling_unit(identity_groups(held.items))


def _assert_disjoint(train, held) -> None:
    if {i.clip.group for i in train} & {i.clip.group for i in held}:
        raise RuntimeError("A group straddles a fold; refusing to measure on leaked data.")
