"""A result in plain words: what the verdict means, how sure it is, which face decided it, what staff
made of it, and what the live progress says. One place, read by the result page, the history, the status
JSON, the API and the reports, so they never say different things.

Sureness is the distance of the deciding probability from the threshold, read against the uncertain band
of the same rule (Analysis.decision_rule): inside the band the evidence is inconclusive ("close to a coin
flip"), then each band width further the verdict is stated more firmly. It never claims more than the
model's measured quality (the model card's AUC) allows: the page says that beside it.
"""

from dataclasses import dataclass

from .models import Analysis, Review

# What a staff review makes of the verdict: the label shown (and coloured) instead of the model's.
REVIEWED_VERDICT = {Review.Decision.CONFIRMED_FAKE: Analysis.Verdict.FAKE,
                    Review.Decision.OVERTURNED_REAL: Analysis.Verdict.REAL}

# The worker's stages (detector/jobs.py), as the page says them. static/js/result.js shows the label the
# status JSON sends; its own copy only covers a page that polls an older server.
STAGE_LABELS = {
    "starting": "Starting", "downloading": "Downloading the video", "provenance": "Reading its provenance",
    "loading": "Loading the model", "probing": "Reading the video", "sampling": "Sampling frames",
    "detecting": "Finding faces", "scoring": "Scoring faces", "heatmaps": "Showing where the model looked",
}


def pct(value):
    return f"{value * 100:.0f}%"


def points(value):
    return f"{abs(value) * 100:.0f} points"


@dataclass(frozen=True)
class Explanation:
    headline: str  # what the verdict means
    sureness: str  # how sure, in words ("Close to a coin flip")
    detail: str  # the probability against the threshold and the band
    face: int | None  # the face (1-based) that decided it


def deciding_face(analysis):
    """The 1-based number of the face track whose probability is the video's (the most suspicious one)."""
    tracks = [t for t in (analysis.tracks or []) if t.get("fake_probability") is not None]
    if not tracks:
        return None
    return max(tracks, key=lambda t: t["fake_probability"])["track"] + 1


def sureness_of(analysis):
    """How sure, in words, from the distance to the threshold measured in uncertain-band widths."""
    threshold, band = analysis.decision_rule
    distance = abs(analysis.fake_probability - threshold)
    if analysis.verdict == Analysis.Verdict.UNCERTAIN:
        return "Close to a coin flip" if distance < band / 2 else "Inconclusive"
    beyond = distance - band  # how far past the uncertain band
    if beyond < band:
        return "Leaning, not sure"
    if beyond < 2 * band:
        return "Fairly sure"
    return "Sure, as far as this model goes"


def explain(analysis):
    """The verdict of a finished analysis in plain words, or None (no verdict, or no face)."""
    if analysis.status != Analysis.Status.DONE or analysis.fake_probability is None:
        return None
    threshold, band = analysis.decision_rule
    p = analysis.fake_probability
    face = deciding_face(analysis)
    named = f"face {face}" if face else "the most suspicious face"
    side = "above" if p >= threshold else "below"
    detail = (f"{named.capitalize()} scores {pct(p)} fake, {points(p - threshold)} {side} the threshold of "
              f"{pct(threshold)}; scores within {points(band)} of the threshold count as uncertain.")
    if analysis.verdict == Analysis.Verdict.FAKE:
        headline = f"The model finds signs of manipulation in {named}."
    elif analysis.verdict == Analysis.Verdict.REAL:
        headline = "The model finds no signs of manipulation in any face."
    else:
        headline = (f"The evidence is inconclusive: the model cannot tell whether {named} was manipulated. "
                    "Treat this video as unchecked.")
    return Explanation(headline=headline, sureness=sureness_of(analysis), detail=detail, face=face)


def reviewed_verdict(review):
    """"fake" or "real" when staff decided it; None for no review, or one sent on for escalation."""
    return REVIEWED_VERDICT.get(review.decision) if review else None


def people(analysis):
    """How many people (face tracks: one face followed across frames) the analysis found."""
    return len(analysis.tracks or []) if analysis.status == Analysis.Status.DONE else None


def counts_sentence(analysis):
    """"20 frames read · 1 person · 21 face detections", the one wording of the counts."""
    if analysis.frames_analysed is None:
        return ""
    n = people(analysis) or 0
    detections = analysis.faces_found or 0
    return (f"{analysis.frames_analysed} frame{'s' * (analysis.frames_analysed != 1)} read · "
            f"{n} {'person' if n == 1 else 'people'} · "
            f"{detections} face detection{'s' * (detections != 1)}")


def live_state(analysis):
    """What the live progress shows, from one read of the row: a label and the percentage that goes with
    it, and an estimate of the seconds left once this worker's speed is known. A queued or parked analysis
    has no percentage yet (0); "Done" comes with 100."""
    status = analysis.status
    if status == Analysis.Status.RUNNING:
        stage = STAGE_LABELS.get(analysis.stage, analysis.stage)
        label = f"Running: {stage}" if stage else "Running"
        progress = analysis.progress
    elif status in (Analysis.Status.DONE, Analysis.Status.FAILED):
        label, progress = analysis.get_status_display(), 100
    elif status == Analysis.Status.WAITING_MODEL:
        label, progress = "Waiting for a model", 0
    else:
        label, progress = "Queued", 0
    seconds_left = None
    if status == Analysis.Status.RUNNING and analysis.expected_seconds:
        seconds_left = max(1, round(analysis.expected_seconds * (100 - progress) / 100))
    return {"label": label, "progress": progress, "seconds_left": seconds_left, "eta": seconds_left_words(seconds_left)}


def seconds_left_words(seconds):
    if seconds is None:
        return ""
    if seconds < 60:
        return f"About {seconds} s left"
    return f"About {round(seconds / 60)} min left"
