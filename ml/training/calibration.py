"""Fitting the served probability's calibration (ml/model/calibration.py) on held-out scores: the
out-of-fold scores in cross-validation, the validation videos' in the split mode.

Temperature scaling has one parameter (the scores' sharpness), Platt scaling two (sharpness and a
shift): with ~150 videos, temperature is the safer fit. Both are maximum likelihood on the videos'
logits, by Newton's method with a little ridge (the fit stays finite on separable scores).
"""

from __future__ import annotations

import numpy as np

from ml.model.calibration import calibrate, logit
from ml.training.metrics import expected_calibration_error

_RIDGE = 1e-3


def fit_calibration(labels, scores, method: str) -> dict | None:
    """The calibration dict a checkpoint stores; None for "none" or when the scores hold one class."""
    y = np.asarray(labels, dtype=np.float64)
    if method == "none" or len(y) == 0 or not 0 < y.sum() < len(y):
        return None
    z = logit(scores)
    if method == "temperature":
        (a,) = _logistic_fit(z[:, None], y)
        return {"method": "temperature", "T": float(1.0 / max(a, 1e-3))}  # a <= 0: no signal, flatten hard
    if method == "platt":
        a, b = _logistic_fit(np.stack([z, np.ones_like(z)], axis=1), y)
        return {"method": "platt", "a": float(a), "b": float(b)}
    raise ValueError(f"Unknown calibration method {method!r}.")


HALVINGS = 20  # random halvings of the people in cross_fitted_ece, each measured both ways round


def cross_fitted_ece(labels, fit_scores: dict, eval_scores, groups, method: str, halvings: int = HALVINGS,
                     seed: int = 0) -> dict:
    """How calibrated `eval_scores` are through a `method` map fitted on other people: for each named
    array in `fit_scores` (each video's score as the map would be fitted on it), the identity groups
    are halved at random `halvings` times, the map fitted on one half and the ECE of `eval_scores`
    measured on the other, both ways round, every name on the same halvings (so they compare paired).
    With fewer than two groups the videos are halved instead ("halves" says which). A half that holds
    one class fits no map, so that way round is left out rather than counted as "no change"
    ("measurements" says how many of the 2 x `halvings` were used).

    "ece" per name: the median ECE, its 10th-90th percentile (the spread over halvings, which overlap,
    not a confidence interval) and every measurement, in the same order for every name; None where
    none could be made."""
    y = np.asarray(labels)
    groups = np.asarray(groups).astype(str)
    unit = "identity groups"
    if len(set(groups.tolist())) < 2:
        groups, unit = np.arange(len(y)).astype(str), "videos"
    eval_scores = np.asarray(eval_scores, dtype=np.float64)
    names, rng = sorted(set(groups.tolist())), np.random.default_rng(seed)
    eces = {name: [] for name in fit_scores}
    for _ in range(halvings):
        half = np.isin(groups, rng.permutation(names)[: len(names) // 2])
        for fit, held in ((half, ~half), (~half, half)):
            if not 0 < y[fit].sum() < fit.sum() or not held.any():
                continue
            for name, scores in fit_scores.items():
                mapping = fit_calibration(y[fit], np.asarray(scores)[fit], method)
                eces[name].append(expected_calibration_error(y[held], calibrate(eval_scores[held], mapping)))
    measurements = len(next(iter(eces.values()), []))
    return {"halves": unit, "measurements": measurements,
            "ece": {name: spread(v) | {"values": [float(e) for e in v]} if v else None for name, v in eces.items()}}


def spread(values) -> dict:
    """The median of measurements over halvings and their 10th-90th percentile."""
    return {"median": float(np.median(values)), "p10_p90": [float(q) for q in np.quantile(values, [0.1, 0.9])]}


def _logistic_fit(x: np.ndarray, y: np.ndarray, iterations: int = 100) -> np.ndarray:
    """Weights w minimising the mean log-loss of sigmoid(x @ w) + ridge |w - w0|^2, w0 = (1, 0, ...)
    (the ridge pulls towards the identity map): Newton steps, halved until the loss falls (a plain
    Newton step overshoots from far away)."""
    w0 = np.zeros(x.shape[1])
    w0[0] = 1.0
    w, n = w0.copy(), len(y)

    def loss(v: np.ndarray) -> float:
        t = x @ v
        return float(np.mean(np.logaddexp(0, t) - y * t) + _RIDGE / 2 * np.sum((v - w0) ** 2))

    for _ in range(iterations):
        p = 0.5 * (1 + np.tanh(0.5 * (x @ w)))  # sigmoid, without overflow
        grad = x.T @ (p - y) / n + _RIDGE * (w - w0)
        hess = (x * (p * (1 - p))[:, None]).T @ x / n + _RIDGE * np.eye(len(w))
        step, before = np.linalg.solve(hess, grad), loss(w)
        while loss(w - step) > before and np.abs(step).max() > 1e-12:
            step = step / 2
        w = w - step
        if np.abs(step).max() < 1e-10:
            break
    return w
