"""One video's outcome in the batch path, and how to get it: `ml.serving.many_videos`'s threads analyse a video with
`analyze_one`; `ml.serving.process_pool`'s worker processes take it up to its LSTM with `prepare_one`, and the
parent scores the videos they finish together with `finish_pending`."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ml.errors import InvalidScore, VideoError
from ml.model.checkpoint import Detector
from ml.results import AnalysisResult, AnalyzeOptions
from ml.serving.pipeline import Prepared, analyze, finish_each, prepare
from ml.serving.scoring import Classify, Encode


@dataclass
class VideoOutcome:
    path: str
    result: AnalysisResult | None  # None when the video could not be analysed
    # Why not: the video (VideoError), or the model's score for it (InvalidScore: NaN, an internal error)
    error: VideoError | InvalidScore | None
    seconds: float  # from starting this video to its result, waits for shared batches included


@dataclass
class Pending:
    """A video taken up to its LSTM (`prepared`), or the reason it could not be."""

    path: str
    prepared: Prepared | None
    error: VideoError | None
    seconds: float  # so far


def analyze_one(path, detector: Detector, options: AnalyzeOptions | None, face_detector=None,
                encode: Encode | None = None, classify: Classify | None = None) -> VideoOutcome:
    """One video's outcome: its result, or the reason it could not be analysed."""
    started = time.perf_counter()
    try:
        result = analyze(path, detector, options, face_detector=face_detector, encode=encode,
                         classify=classify)
        return VideoOutcome(str(path), result, None, time.perf_counter() - started)
    except (VideoError, InvalidScore) as error:
        return VideoOutcome(str(path), None, error, time.perf_counter() - started)


def prepare_one(path, detector: Detector, options: AnalyzeOptions) -> Pending:
    started = time.perf_counter()
    try:
        return Pending(str(path), prepare(path, detector, options), None, time.perf_counter() - started)
    except VideoError as error:
        return Pending(str(path), None, error, time.perf_counter() - started)


def finish_pending(pending: list[Pending], detector: Detector, options: AnalyzeOptions) -> list[VideoOutcome]:
    """Each pending video's outcome, those with face tracks scored in one go
    (`ml.serving.pipeline.finish_each`); a video the model scores NaN gets the InvalidScore as its error."""
    started = time.perf_counter()
    ready = [p for p in pending if p.prepared is not None]
    results = iter(finish_each([p.prepared for p in ready], detector, options) if ready else [])
    waited = time.perf_counter() - started
    return [_outcome(p.path, next(results), p.seconds + waited) if p.prepared is not None
            else VideoOutcome(p.path, None, p.error, p.seconds) for p in pending]


def _outcome(path: str, result: AnalysisResult | InvalidScore, seconds: float) -> VideoOutcome:
    if isinstance(result, InvalidScore):
        return VideoOutcome(path, None, result, seconds)
    return VideoOutcome(path, result, None, seconds)
