"""Two training runs compared on the same videos: does recipe B beat recipe A on people neither saw?

Each run's scores file (oof_scores.csv from --cv, test_scores.csv from a split) holds one held-out score
per video. Both runs' AUCs on their own have wide intervals on a sample this size, but their
difference on the same videos is far tighter: the paired bootstrap resamples whole identity groups and
keeps each video's two scores together, so how hard the sample is cancels and only the recipes'
difference varies. Per method, each method's fakes are ranked against all reals, as the run reports do.

Videos are matched per dataset by their path below that dataset's folder (the common folder of its
files), so two runs of the same dataset compare even when it lay in different places on different
machines, and a run on two datasets compares with a run on one of them.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.training import metrics

SCORES_FILES = ("oof_scores.csv", "test_scores.csv")
COLUMNS = ("file", "label", "group", "method", "p_fake")  # and "dataset" in runs since 2026-12-06


class CompareError(ValueError):
    """The runs cannot be compared; the message says why in a sentence."""


@dataclass(frozen=True)
class Scored:
    label: int  # 1 fake, 0 real
    group: str  # identity group, within its dataset
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


def read_rows(run: str | os.PathLike) -> list[dict]:
    """The scores file's rows, checked: the columns, labels and scores a comparison needs."""
    path = scores_file(run)
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise CompareError(f"{path} has no {', '.join(missing)} column: is it a train_model scores file?")
        rows = list(reader)
    if not rows:
        raise CompareError(f"{path} scores no videos.")
    for line, row in enumerate(rows, start=2):
        if row["label"] not in ("real", "fake"):
            raise CompareError(f"{path} line {line}: label {row['label']!r} is neither real nor fake.")
        try:
            row["p_fake"] = float(row["p_fake"])
        except (TypeError, ValueError):
            row["p_fake"] = float("nan")
        if not 0.0 <= row["p_fake"] <= 1.0:  # also NaN, which would rank above every score
            raise CompareError(f"{path} line {line}: the score of {row['file']} is not a probability.")
    return rows


def keyed(rows: list[dict], by_dataset: bool) -> dict[tuple[str, str], Scored]:
    """Scored videos keyed by (dataset, path below that dataset's folder): the folder is the common
    one of the dataset's files, so the same dataset kept in different places matches."""
    datasets: dict[str, list[dict]] = {}
    for row in rows:
        datasets.setdefault(row.get("dataset", "") if by_dataset else "", []).append(row)
    out = {}
    for name, members in datasets.items():
        try:
            root = os.path.commonpath([os.path.dirname(r["file"]) for r in members])
        except ValueError:  # absolute and relative paths mixed: nothing in common
            root = ""
        for r in members:
            out[(name, os.path.relpath(r["file"], root) if root else r["file"])] = Scored(
                1 if r["label"] == "fake" else 0, f"{name}/{r['group']}", r["method"] or "unknown", r["p_fake"])
    return out


def compare(run_a, run_b, seed: int = 0, n: int = metrics.BOOTSTRAP) -> dict:
    """Pooled and per-method AUC of each run on the videos both scored, and B - A with its paired 95 %
    interval. The bootstrap resamples whole identity groups (run A's): the question is how a recipe does
    on other people, and a real video and the fakes made from it show the same ones."""
    rows_a, rows_b = read_rows(run_a), read_rows(run_b)
    by_dataset = all("dataset" in rows[0] for rows in (rows_a, rows_b))  # older runs wrote no dataset column
    a, b = keyed(rows_a, by_dataset), keyed(rows_b, by_dataset)
    shared = sorted(a.keys() & b.keys())
    if not shared:
        raise CompareError("The two runs scored no video in common: were they trained on the same data?")
    disagree = [k for k in shared if a[k].label != b[k].label]
    if disagree:
        raise CompareError(f"The runs label {len(disagree)} shared videos differently (first: {disagree[0][1]}).")
    y = np.array([a[k].label for k in shared])
    sa, sb = np.array([a[k].score for k in shared]), np.array([b[k].score for k in shared])
    groups = np.array([a[k].group for k in shared])
    methods = np.array([a[k].method for k in shared])
    result = {"videos": len(shared), "groups": len(set(groups)), "only_a": len(a) - len(shared),
              "only_b": len(b) - len(shared), "pooled": _paired(y, sa, sb, groups, seed, n), "per_method": {}}
    for method in sorted(set(methods[y == 1])):
        sel = (y == 0) | (methods == method)
        result["per_method"][method] = _paired(y[sel], sa[sel], sb[sel], groups[sel], seed, n) | {"fakes": int(y[sel].sum())}
    return result


def _paired(y, sa, sb, groups, seed: int, n: int) -> dict:
    if len(set(y.tolist())) < 2:
        raise CompareError("The shared videos hold only one class: an AUC needs both real and fake videos.")
    groups, unit = metrics.resampling_unit(groups)
    difference, interval = metrics.paired_auc_difference(y, sb, sa, n=n, seed=seed, groups=groups)
    return {"auc_a": metrics.roc_auc(y, sa), "auc_a_ci95": metrics.bootstrap_auc_ci(y, sa, n=n, seed=seed, groups=groups),
            "auc_b": metrics.roc_auc(y, sb), "auc_b_ci95": metrics.bootstrap_auc_ci(y, sb, n=n, seed=seed, groups=groups),
            "difference": difference, "difference_ci95": interval, "resamples": unit}


def describe(result: dict, name_a: str = "A", name_b: str = "B") -> str:
    """The comparison as a table a person reads, ending with what the interval says."""
    pooled = result["pooled"]
    lines = [f"{result['videos']} videos of {result['groups']} identity groups scored by both runs"
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
    note = (f"Intervals: 95 %, resampling {pooled['resamples']} (per method, where a method's fakes come from "
            f"fewer than {metrics.MIN_GROUPS} groups, videos). Per method, each method's fakes against all reals; with "
            "several methods, expect one interval in twenty to miss zero by chance.")
    return "\n".join(lines + ["", note, verdict])


def _row(name: str, r: dict, with_ci: bool = False) -> str:
    def auc(value, ci):
        return f"{value:.3f} ({ci[0]:.2f}-{ci[1]:.2f})" if with_ci else f"{value:.3f}"
    low, high = r["difference_ci95"]
    return (f"{name[:24]:<24}{auc(r['auc_a'], r['auc_a_ci95']):>20}{auc(r['auc_b'], r['auc_b_ci95']):>20}"
            f"{r['difference']:>+10.3f} ({low:+.3f}..{high:+.3f})")
