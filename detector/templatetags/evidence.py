"""Filters for showing scores, coloured by the rule the verdict was decided with (`ml.decision.band_of`
through `Analysis.band_of`, with the threshold and band stored on the analysis)."""

from django import template

register = template.Library()


@register.filter
def score_class(p_fake, analysis):
    """"real", "uncertain", "fake" (or "none") for one score of this analysis."""
    return analysis.band_of(p_fake)


@register.filter
def percent(value):
    return "" if value is None else f"{value * 100:.0f}%"


@register.filter
def threshold_of(analysis):
    return analysis.decision_rule[0]


@register.filter
def band_width_of(analysis):
    return analysis.decision_rule[1]


@register.filter
def most_suspicious(frames):
    """The frame with the highest fake probability (the earliest on a tie), or None."""
    return max(frames, key=lambda f: f.fake_probability, default=None)


@register.filter
def with_heatmaps(frames):
    """How many of the frames have a heatmap."""
    return sum(1 for f in frames if f.heatmap)
