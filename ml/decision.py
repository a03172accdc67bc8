"""The decision rule: one probability, a threshold and an uncertain band -> a verdict.

Settled once per analysis when it runs (`settle_rule`), carried in its AnalysisResult and stored on the
analysis; the page, the API, the reports and the review queue read it from there (Analysis.decision_rule).

Torch-free on purpose: the web app colours evidence with the same rule the pipeline used to decide,
and web processes must not import torch.
"""

from __future__ import annotations

from typing import Protocol

from ml.results import (
    VERDICT_FAKE,
    VERDICT_NO_FACE,
    VERDICT_REAL,
    VERDICT_UNCERTAIN,
    AnalyzeOptions,
)

# The rule of a model that was never calibrated (random, or trained without held-out scores of both
# classes). A trained checkpoint carries its own, chosen on scores of people it never saw.
DEFAULT_THRESHOLD = 0.5
DEFAULT_UNCERTAIN_BAND = 0.1
DEFAULT_RULE = (DEFAULT_THRESHOLD, DEFAULT_UNCERTAIN_BAND)


class Calibrated(Protocol):
    """What carries a model's own rule: a loaded detector (ml.model.checkpoint.Detector)."""

    threshold: float
    uncertain_band: float


def settle_rule(options: AnalyzeOptions, detector: Calibrated) -> tuple[float, float]:
    """(threshold, uncertain band) an analysis is decided with, settled once when it runs and carried
    in its AnalysisResult: each value the options chose (the web app passes its model version's, which
    staff may tune), else the detector's own, calibrated when it was trained."""
    threshold = detector.threshold if options.threshold is None else options.threshold
    band = detector.uncertain_band if options.uncertain_band is None else options.uncertain_band
    return threshold, band


def band_of(p_fake: float | None, threshold: float, band: float) -> str:
    """"real", "uncertain" or "fake" for one score; "none" when there is no score."""
    if p_fake is None:
        return "none"
    if abs(p_fake - threshold) < band:
        return VERDICT_UNCERTAIN
    return VERDICT_FAKE if p_fake >= threshold else VERDICT_REAL


def verdict_for(p_fake: float | None, threshold: float, band: float) -> tuple[str, float]:
    """(verdict, confidence). Confidence is the probability of the verdict's class; for "uncertain",
    that of the likelier class; 0 when no face was found."""
    if p_fake is None:
        return VERDICT_NO_FACE, 0.0
    verdict = band_of(p_fake, threshold, band)
    if verdict == VERDICT_UNCERTAIN:
        return verdict, max(p_fake, 1 - p_fake)
    return verdict, p_fake if verdict == VERDICT_FAKE else 1 - p_fake
