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


# The evidence of one face shows its most suspicious crops first, this many before "Show all".
CROPS_SHOWN = 8
# More scored faces than this make the timeline a barcode: they are grouped into this many stretches.
TIMELINE_MARKS = 30


def _worst_first(frames):
    return sorted(frames, key=lambda f: (-f.fake_probability, f.timestamp_s))


@register.filter
def first_shown(frames):
    """One face's most suspicious crops, the CROPS_SHOWN shown before "Show all"."""
    return _worst_first(frames)[:CROPS_SHOWN]


@register.filter
def beyond_shown(frames):
    """The rest of one face's crops, most suspicious first: behind "Show all"."""
    return _worst_first(frames)[CROPS_SHOWN:]


@register.filter
def timeline_marks(frames, duration_s=None):
    """The timeline's marks: one per scored face, or, beyond TIMELINE_MARKS of them, one per stretch of
    the video holding its most suspicious face. Each mark is {"frame", "count", "start", "end"}."""
    frames = list(frames)
    if len(frames) <= TIMELINE_MARKS:
        return [{"frame": f, "count": 1, "start": f.timestamp_s, "end": f.timestamp_s} for f in frames]
    end = max(duration_s or 0, max(f.timestamp_s for f in frames)) or 1.0
    width = end / TIMELINE_MARKS
    bins = {}
    for frame in frames:
        bins.setdefault(min(TIMELINE_MARKS - 1, int(frame.timestamp_s / width)), []).append(frame)
    return [{"frame": _worst_first(group)[0], "count": len(group), "start": i * width, "end": (i + 1) * width}
            for i, group in sorted(bins.items())]
