"""Filters for showing scores: the same real / uncertain / fake bands the pipeline uses for verdicts."""

from django import template

register = template.Library()

DEFAULT_THRESHOLD, DEFAULT_BAND = 0.5, 0.1  # when the model version that scored it was deleted


@register.filter
def score_class(p_fake, analysis):
    """"real", "uncertain" or "fake" for one score, judged by the analysing model's threshold."""
    if p_fake is None:
        return "none"
    model = analysis.model_version
    threshold = model.threshold if model else DEFAULT_THRESHOLD
    band = model.uncertain_band if model else DEFAULT_BAND
    if abs(p_fake - threshold) < band:
        return "uncertain"
    return "fake" if p_fake >= threshold else "real"


@register.filter
def percent(value):
    return "" if value is None else f"{value * 100:.0f}%"


@register.filter
def threshold_of(analysis):
    model = analysis.model_version
    return model.threshold if model else DEFAULT_THRESHOLD
