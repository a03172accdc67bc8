"""Fitting the served probability's calibration (ml/model/calibration.py) on held-out scores: the
out-of-fold scores in cross-validation, the validation videos' in the split mode.

Temperature scaling has one parameter (the scores' sharpness), Platt scaling two (sharpness and a
shift): with ~150 videos, temperature is the safer fit. Both are maximum likelihood on the videos'
logits, by Newton's method with a little ridge (the fit stays finite on separable scores).
"""

from __future__ import annotations

import numpy as np

from ml.model.calibration import logit

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
