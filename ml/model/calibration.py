"""Calibration of the served probability: what a checkpoint stores and how serving applies it.

A checkpoint's top-level "calibration" is None (served as trained) or a dict:
- {"method": "temperature", "T": T}: p' = sigmoid(logit(p) / T)
- {"method": "platt", "a": a, "b": b}: p' = sigmoid(a logit(p) + b)
applied to each face track's probability (and each step's) where ml/serving/scoring.py turns the
model's logits into probabilities. Both maps rise with p, so the most suspicious track of a video stays
the same one and the video's score is the calibrated score of the uncalibrated one: what training fits
on (ml/training/calibration.py) is exactly what serving then computes.
"""

from __future__ import annotations

import numpy as np

CALIBRATIONS = ("none", "temperature", "platt")
_EPS = 1e-6  # probabilities are clipped this far from 0 and 1 before the logit


def logit(p) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def calibrate(p, calibration: dict | None):
    """`p` (a float or an array of P(fake)) through `calibration`; unchanged when it is None."""
    if not calibration:
        return p
    z = logit(p)
    method = calibration["method"]
    if method == "temperature":
        z = z / float(calibration["T"])
    elif method == "platt":
        z = float(calibration["a"]) * z + float(calibration["b"])
    else:
        raise ValueError(f"Unknown calibration method {method!r}; known: temperature, platt.")
    out = 1.0 / (1.0 + np.exp(-z))
    return float(out) if np.ndim(p) == 0 else out
