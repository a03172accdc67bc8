"""Training and evaluation plots as PNG files (matplotlib's Agg backend: no display needed)."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ml.training.metrics import (  # noqa: E402
    expected_calibration_error,
    reliability,
    roc_auc,
    roc_curve,
)


def loss_curves(history: list[dict], path: str | os.PathLike) -> Path:
    epochs = [h["epoch"] for h in history]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs, [h["train_loss"] for h in history], label="train loss")
    if any("val_loss" in h for h in history):
        ax.plot(epochs, [h.get("val_loss") for h in history], label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    if any(h.get("val_auc") is not None for h in history):
        ax2 = ax.twinx()
        ax2.plot(epochs, [h.get("val_auc") for h in history], "g--", label="validation AUC")
        ax2.set_ylim(0, 1)
        ax2.set_ylabel("validation AUC")
        ax2.legend(loc="lower right")
    ax.legend(loc="upper right")
    return _save(fig, path)


def roc(labels, scores, path: str | os.PathLike, title: str = "ROC (held-out videos)") -> Path:
    fpr, tpr, _ = roc_curve(labels, scores)
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot(fpr, tpr, label=f"AUC {roc_auc(labels, scores):.3f}")
    ax.plot([0, 1], [0, 1], ":", color="grey", label="chance")
    ax.set_xlabel("false-positive rate (reals called fake)")
    ax.set_ylabel("true-positive rate (fakes caught)")
    ax.set_title(title)
    ax.legend(loc="lower right")
    return _save(fig, path)


def reliability_diagram(labels, scores, path: str | os.PathLike, uncalibrated=None,
                        title: str = "Reliability (held-out videos)") -> Path:
    """Fake rate against mean score per score bin (a calibrated model lies on the diagonal), with the
    expected calibration error; the uncalibrated scores beside them where given."""
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], ":", color="grey", label="perfectly calibrated")
    curves = [("uncalibrated", uncalibrated, "s--")] if uncalibrated is not None else []
    for name, values, style in curves + [("served" if curves else "model", scores, "o-")]:
        bins = reliability(labels, values)
        ax.plot([b["mean_score"] for b in bins], [b["fake_rate"] for b in bins], style,
                label=f"{name} (ECE {expected_calibration_error(labels, values):.3f})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean P(fake) in the bin")
    ax.set_ylabel("share of fakes in the bin")
    ax.set_title(title)
    ax.legend(loc="upper left")
    return _save(fig, path)


def confusion_matrix(confusion: dict, path: str | os.PathLike, title: str = "Confusion matrix") -> Path:
    m = np.array([[confusion["tn"], confusion["fp"]], [confusion["fn"], confusion["tp"]]])
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(m, cmap="Blues")
    for (i, j), v in np.ndenumerate(m):
        ax.text(j, i, str(v), ha="center", va="center", color="black", fontsize=14)
    ax.set_xticks([0, 1], ["real", "fake"])
    ax.set_yticks([0, 1], ["real", "fake"])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    return _save(fig, path)


def score_histogram(labels, scores, threshold: float, path: str | os.PathLike) -> Path:
    labels, scores = np.asarray(labels), np.asarray(scores)
    fig, ax = plt.subplots(figsize=(6, 4))
    bins = np.linspace(0, 1, 21)
    ax.hist(scores[labels == 0], bins=bins, alpha=0.6, label="real")
    ax.hist(scores[labels == 1], bins=bins, alpha=0.6, label="fake")
    ax.axvline(threshold, color="red", linestyle="--", label=f"threshold {threshold:.2f}")
    ax.set_xlabel("P(fake)")
    ax.set_ylabel("videos")
    ax.legend()
    return _save(fig, path)


def _save(fig, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
