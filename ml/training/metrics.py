"""Binary classification metrics on fake-probability scores, numpy only (no sklearn at run time).

Convention: label 1 = fake (the positive class), 0 = real; a score is P(fake).
"""

from __future__ import annotations

import numpy as np

BOOTSTRAP = 1000  # resamples behind an AUC's 95 % interval (training reports and evaluation alike)
# Fewer identity groups than this and a bootstrap over groups is too coarse to trust (a split's test side
# holds about 6): the interval then resamples videos, and says so.
MIN_GROUPS = 10


def roc_curve(labels, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fpr, tpr, thresholds), thresholds decreasing, starting at +inf (nothing called fake).
    Tied scores form one point, as in sklearn."""
    y, s = _arrays(labels, scores)
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tp = np.cumsum(y)[last_of_tie]
    fp = (last_of_tie + 1) - tp
    pos, neg = max(y.sum(), 1), max(len(y) - y.sum(), 1)
    return np.r_[0.0, fp / neg], np.r_[0.0, tp / pos], np.r_[np.inf, s[last_of_tie]]


def roc_auc(labels, scores) -> float:
    """Area under the ROC curve: the chance that a random fake scores above a random real (ties 1/2).
    NaN when one class is missing."""
    y, s = _arrays(labels, scores)
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = _average_ranks(s)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def within_group_auc(labels, scores, groups) -> tuple[float, int]:
    """The AUC counted over pairs of a real and a fake of the same group only (the same people), and
    how many such pairs there are; NaN without any. Beside the pooled AUC it separates the two ways a
    model fails on new people: ranking a person's fakes below their own real video, or putting whole
    people at different levels (which only the pooled AUC, and one threshold for everyone, pays for)."""
    y, s = _arrays(labels, scores)
    agree, pairs = 0.0, 0
    for mine in _members(groups, len(y)):
        n_fake, n_real = int(y[mine].sum()), int(len(mine) - y[mine].sum())
        if n_fake and n_real:
            agree += roc_auc(y[mine], s[mine]) * n_fake * n_real  # = its same-people pairs ordered right
            pairs += n_fake * n_real
    return (agree / pairs if pairs else float("nan")), pairs


def average_precision(labels, scores) -> float:
    """Step-wise area under precision-recall: sum over thresholds of (recall gain) x precision."""
    y, s = _arrays(labels, scores)
    if y.sum() == 0:
        return float("nan")
    fpr, tpr, _ = roc_curve(y, s)
    pos, neg = y.sum(), len(y) - y.sum()
    tp, fp = tpr * pos, fpr * neg
    precision = np.divide(tp, tp + fp, out=np.ones_like(tp), where=(tp + fp) > 0)
    return float(np.sum(np.diff(tpr) * precision[1:]))


def eer(labels, scores) -> tuple[float, float]:
    """(equal error rate, threshold there): where false-positive and false-negative rates cross,
    interpolated between the two ROC points around the crossing."""
    fpr, tpr, thr = roc_curve(labels, scores)
    fnr = 1 - tpr
    i = int(np.flatnonzero(fnr <= fpr)[0])  # fnr falls from 1, fpr rises from 0: they must cross
    if i == 0:
        return 0.0, float(thr[1]) if len(thr) > 1 else 0.5
    d0, d1 = fnr[i - 1] - fpr[i - 1], fnr[i] - fpr[i]
    w = d0 / (d0 - d1) if d0 != d1 else 0.0
    rate = fpr[i - 1] + w * (fpr[i] - fpr[i - 1])
    t = _finite(thr[i - 1], thr[i])
    return float(rate), t


def confusion(labels, scores, threshold: float) -> dict:
    """Counts with "fake" predicted where score >= threshold."""
    y, s = _arrays(labels, scores)
    pred = s >= threshold
    return {
        "tp": int(np.sum(pred & (y == 1))), "fp": int(np.sum(pred & (y == 0))),
        "tn": int(np.sum(~pred & (y == 0))), "fn": int(np.sum(~pred & (y == 1))),
    }


def threshold_metrics(labels, scores, threshold: float) -> dict:
    c = confusion(labels, scores, threshold)
    tp, fp, tn, fn = c["tp"], c["fp"], c["tn"], c["fn"]
    recall = _ratio(tp, tp + fn)  # true-positive rate: fakes caught
    specificity = _ratio(tn, tn + fp)  # reals passed
    precision = _ratio(tp, tp + fp)
    return {
        "threshold": float(threshold),
        "accuracy": _ratio(tp + tn, tp + tn + fp + fn),
        "balanced_accuracy": (recall + specificity) / 2,
        "precision": precision,
        "recall": recall,
        "specificity": specificity,
        "f1": _ratio(2 * precision * recall, precision + recall),
        "confusion": c,
    }


def classification_report(labels, scores, threshold: float, *, bootstrap: int = BOOTSTRAP, seed: int = 0,
                          groups=None) -> dict:
    """Everything the model card and evaluate_model show, for one threshold. Given `groups`, the AUC's
    interval resamples whole groups (bootstrap_auc_ci)."""
    y, s = _arrays(labels, scores)
    rate, eer_threshold = eer(y, s) if 0 < y.sum() < len(y) else (float("nan"), float("nan"))
    groups, unit = resampling_unit(groups)
    low, high = bootstrap_auc_ci(y, s, n=bootstrap, seed=seed, groups=groups) if bootstrap else (float("nan"),) * 2
    return {
        "n": int(len(y)), "n_fake": int(y.sum()), "n_real": int(len(y) - y.sum()),
        "auc": roc_auc(y, s), "auc_ci95": [low, high], "auc_ci95_resamples": unit if bootstrap else None,
        "average_precision": average_precision(y, s),
        "eer": rate, "eer_threshold": eer_threshold,
        **threshold_metrics(y, s, threshold),
    }


def resampling_unit(groups) -> tuple[object, str]:
    """What a bootstrap should resample: the groups where there are enough of them (MIN_GROUPS), else
    the videos; with the unit in words for the report ("20 identity groups", "videos (4 identity groups
    are too few)")."""
    if groups is None:
        return None, "videos"
    count = len(set(np.asarray(groups).astype(str).tolist()))
    if count < MIN_GROUPS:
        return None, f"videos ({count} identity groups are too few)"
    return groups, f"{count} identity groups"


def bootstrap_auc_ci(labels, scores, n: int = BOOTSTRAP, seed: int = 0, level: float = 0.95,
                     groups=None) -> tuple[float, float]:
    """Percentile bootstrap interval for AUC, resampling videos with replacement (or, given `groups`,
    whole groups: videos of the same people are not independent); resamples that miss a class are skipped."""
    y, s = _arrays(labels, scores)
    return _bootstrap(y, lambda idx: roc_auc(y[idx], s[idx]), n, seed, level, groups)


def paired_auc_difference(labels, a, b, n: int = BOOTSTRAP, seed: int = 0, level: float = 0.95,
                          groups=None) -> tuple[float, tuple[float, float]]:
    """AUC(a) - AUC(b) on the same videos, with a bootstrap interval that resamples videos (or whole
    `groups`) and keeps each video's two scores together (so the spread of the data cancels and only
    the difference varies)."""
    y, a = _arrays(labels, a)
    b = np.asarray(b, dtype=np.float64)
    difference = lambda idx: roc_auc(y[idx], a[idx]) - roc_auc(y[idx], b[idx])  # noqa: E731
    return difference(np.arange(len(y))), _bootstrap(y, difference, n, seed, level, groups)


def _bootstrap(y: np.ndarray, statistic, n: int, seed: int, level: float, groups=None) -> tuple[float, float]:
    """Percentile interval of `statistic(indices)` over `n` resamples with replacement, of the videos or,
    given `groups` (one label per video), of whole groups; resamples that miss a class are skipped."""
    if not len(y):
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    members = None if groups is None else _members(groups, len(y))
    values = []
    for _ in range(n):
        if members is None:
            idx = rng.integers(0, len(y), len(y))
        else:
            idx = np.concatenate([members[g] for g in rng.integers(0, len(members), len(members))])
        if 0 < y[idx].sum() < len(idx):
            values.append(statistic(idx))
    if not values:
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    return float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))


def choose_threshold(labels, scores, rule: str = "youden") -> float:
    """A decision threshold from validation scores: "youden" maximises TPR - FPR (= balanced
    accuracy), "eer" takes the equal-error point. Returns 0.5 when one class is missing."""
    y, s = _arrays(labels, scores)
    if not 0 < y.sum() < len(y):
        return 0.5
    if rule == "eer":
        return float(np.clip(eer(y, s)[1], 0.0, 1.0))
    if rule != "youden":
        raise ValueError(f"Unknown threshold rule {rule!r}; use 'youden' or 'eer'.")
    fpr, tpr, thr = roc_curve(y, s)
    i = int(np.argmax(tpr[1:] - fpr[1:])) + 1  # skip the +inf point
    # Midway to the next lower score, so a score equal to a validation fake is still called fake.
    lower = thr[i + 1] if i + 1 < len(thr) else thr[i] - 1e-3
    return float(np.clip((thr[i] + lower) / 2 if i + 1 < len(thr) else thr[i], 0.0, 1.0))


def uncertain_band(labels, scores, threshold: float, target_error: float = 0.1, max_band: float = 0.25) -> float:
    """Half-width of the band around the threshold whose verdicts are withheld: the smallest that
    brings the error outside the band to `target_error` on validation data, at most `max_band`.
    Never below 0.02, so a score a hair from the threshold is never a confident verdict."""
    y, s = _arrays(labels, scores)
    for band in np.arange(0.02, max_band + 1e-9, 0.01):
        outside = np.abs(s - threshold) >= band
        if outside.sum() == 0:
            return float(round(band, 2))
        wrong = ((s[outside] >= threshold) != (y[outside] == 1)).mean()
        if wrong <= target_error:
            return float(round(band, 2))
    return float(max_band)


def reliability(labels, scores, bins: int = 10) -> list[dict]:
    """Per equal-width bin of the score with videos in it: {low, high, n, mean_score, fake_rate}."""
    y, s = _arrays(labels, scores)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(s, edges[1:-1], right=True), 0, bins - 1)
    return [{"low": float(edges[b]), "high": float(edges[b + 1]), "n": int((which == b).sum()),
             "mean_score": float(s[which == b].mean()), "fake_rate": float(y[which == b].mean())}
            for b in range(bins) if (which == b).any()]


def expected_calibration_error(labels, scores, bins: int = 10) -> float:
    """ECE: the videos' mean gap between score and fake rate within each of `bins` equal-width score
    bins, weighted by the bin's share of the videos. NaN without videos."""
    y, _ = _arrays(labels, scores)
    if not len(y):
        return float("nan")
    return float(sum(b["n"] * abs(b["mean_score"] - b["fake_rate"]) for b in reliability(labels, scores, bins)) / len(y))


# --- helpers ---------------------------------------------------------------------------------------


def _arrays(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=np.int64).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(f"{len(y)} labels but {len(s)} scores.")
    return y, s


def _members(groups, n: int) -> list[np.ndarray]:
    """Each group's video indices, groups numbered by first appearance (so one video per group draws
    exactly what resampling videos draws)."""
    labels = np.asarray(groups).astype(str)
    if labels.shape != (n,):
        raise ValueError(f"{labels.size} group labels for {n} videos.")
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))  # group number by first appearance
    numbered = order[inverse]
    return [np.flatnonzero(numbered == g) for g in range(len(first))]


def _average_ranks(s: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing their mean rank."""
    order = np.argsort(s, kind="mergesort")
    sorted_s = s[order]
    ranks = np.empty(len(s))
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_s)) + 1]
    ends = np.r_[starts[1:], len(s)]
    for a, b in zip(starts, ends):
        ranks[order[a:b]] = (a + b + 1) / 2
    return ranks


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b else 0.0


def _finite(a: float, b: float) -> float:
    return float(b if not np.isfinite(a) else (a + b) / 2)
