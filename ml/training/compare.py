"""Two training runs compared on the same videos: does recipe B beat recipe A on people neither saw?

Each run's scores file (oof_scores.csv from --cv, test_scores.csv from a split) holds one held-out score
per video. Both runs' AUCs on their own have wide intervals on a sample this size (±0.09), but their
difference on the same videos is far tighter: the paired bootstrap resamples videos and keeps each
video's two scores together, so how hard the sample is cancels and only the recipes' difference varies.
Per method, each method's fakes are ranked against all reals, as the run reports do.

Videos are matched by their path below the run's data root (the common folder of its files), so two runs
of the same dataset compare even when it lay in different places on different machines.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.training import metrics

SCORES_FILES = ("oof_scores.csv", "test_scores.csv")


class CompareError(ValueError):
    """The runs cannot be compared; the message says why in a sentence."""


@dataclass(frozen=True)
class Scored:
    label: int  # 1 fake, 0 real
    method: str
    score: float


def scores_file(run: str | os.PathLike) -> Path:
    """A run folder's held-out scores file, or the file itself."""
    path = Path(run)
    if path.is_file():
        return path
    for name in SCORES_FILES:
        if (path / name).is_file():
            return path / name
    raise CompareError(f"{run} holds no {' or '.join(SCORES_FILES)}: is it a train_model run folder?")


def read_scores(run: str | os.PathLike) -> dict[str, Scored]:
    """Scored videos keyed by their path relative to the run's data root."""
    with scores_file(run).open(newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise CompareError(f"{scores_file(run)} scores no videos.")
    root = os.path.commonpath([os.path.dirname(r["file"]) for r in rows])
    return {os.path.relpath(r["file"], root): Scored(1 if r["label"] == "fake" else 0, r["method"] or "unknown",
                                                    float(r["p_fake"])) for r in rows}


def compare(run_a, run_b, seed: int = 0) -> dict:
    """Pooled and per-method AUC of each run on the videos both scored, and B - A with its paired 95 % interval."""
    a, b = read_scores(run_a), read_scores(run_b)
    shared = sorted(a.keys() & b.keys())
    if not shared:
        raise CompareError("The two runs scored no video in common: were they trained on the same data?")
    disagree = [k for k in shared if a[k].label != b[k].label]
    if disagree:
        raise CompareError(f"The runs label {len(disagree)} shared videos differently (first: {disagree[0]}).")
    y = np.array([a[k].label for k in shared])
    sa, sb = np.array([a[k].score for k in shared]), np.array([b[k].score for k in shared])
    methods = np.array([a[k].method for k in shared])
    result = {"videos": len(shared), "only_a": len(a) - len(shared), "only_b": len(b) - len(shared),
              "pooled": _paired(y, sa, sb, seed)}
    result["per_method"] = {}
    for method in sorted(set(methods[y == 1])):
        sel = (y == 0) | (methods == method)
        result["per_method"][method] = _paired(y[sel], sa[sel], sb[sel], seed) | {"fakes": int(y[sel].sum())}
    return result


def _paired(y, sa, sb, seed: int) -> dict:
    if len(set(y.tolist())) < 2:
        raise CompareError("The shared videos hold only one class: an AUC needs both real and fake videos.")
    difference, interval = metrics.paired_auc_difference(y, sb, sa, seed=seed)
    return {"auc_a": metrics.roc_auc(y, sa), "auc_a_ci95": metrics.bootstrap_auc_ci(y, sa, seed=seed),
            "auc_b": metrics.roc_auc(y, sb), "auc_b_ci95": metrics.bootstrap_auc_ci(y, sb, seed=seed),
            "difference": difference, "difference_ci95": interval}


def describe(result: dict, name_a: str = "A", name_b: str = "B") -> str:
    """The comparison as a table a person reads, ending with what the interval says."""
    pooled = result["pooled"]
    lines = [f"{result['videos']} videos scored by both runs"
             + (f" ({result['only_a']} only by {name_a}, {result['only_b']} only by {name_b})"
                if result["only_a"] or result["only_b"] else ""),
             "", f"{'':<24}{name_a[:18]:>20}{name_b[:18]:>20}{'B - A (95% CI)':>26}",
             _row("pooled AUC", pooled, with_ci=True)]
    lines += [_row(f"{m} ({r['fakes']} fakes)", r) for m, r in result["per_method"].items()]
    low, high = pooled["difference_ci95"]
    if low > 0:
        verdict = f"{name_b} ranks these videos better than {name_a}: the whole interval is above zero."
    elif high < 0:
        verdict = f"{name_a} ranks these videos better than {name_b}: the whole interval is below zero."
    else:
        verdict = "No difference this sample can see: the interval of B - A holds zero."
    return "\n".join(lines + ["", verdict])


def _row(name: str, r: dict, with_ci: bool = False) -> str:
    def auc(value, ci):
        return f"{value:.3f} ({ci[0]:.2f}-{ci[1]:.2f})" if with_ci else f"{value:.3f}"
    low, high = r["difference_ci95"]
    return (f"{name[:24]:<24}{auc(r['auc_a'], r['auc_a_ci95']):>20}{auc(r['auc_b'], r['auc_b_ci95']):>20}"
            f"{r['difference']:>+10.3f} ({low:+.3f}..{high:+.3f})")
