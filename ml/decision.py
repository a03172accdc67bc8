"""The decision rule: one probability, a threshold and an uncertain band -> a verdict.

Torch-free on purpose: the web app colours evidence with the same rule the pipeline used to decide,
and web processes must not import torch.
"""

from __future__ import annotations

from ml.results import VERDICT_FAKE, VERDICT_NO_FACE, VERDICT_REAL, VERDICT_UNCERTAIN

# The rule of a model that was never calibrated (random, or trained without held-out scores of both
# classes). A trained checkpoint carries its own, chosen on scores of people it never saw.
DEFAULT_THRESHOLD = 0.5
DEFAULT_UNCERTAIN_BAND = 0.1


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
