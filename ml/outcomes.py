"""One video's outcome in the batch path, and how to get it: `ml.batch`'s threads and `ml.process_pool`'s
worker processes both analyse a video with `analyze_one`."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ml.errors import VideoError
from ml.pipeline import Encode, analyze
from ml.results import AnalysisResult, AnalyzeOptions
from ml.weights import Detector


@dataclass
class VideoOutcome:
    path: str
    result: AnalysisResult | None  # None when the video could not be analysed
    error: VideoError | None
    seconds: float  # from starting this video to its result, waits for shared batches included


def analyze_one(path, detector: Detector, options: AnalyzeOptions | None, face_detector=None,
                encode: Encode | None = None) -> VideoOutcome:
    """One video's outcome: its result, or the reason it could not be analysed."""
    started = time.perf_counter()
    try:
        result = analyze(path, detector, options, face_detector=face_detector, encode=encode)
        return VideoOutcome(str(path), result, None, time.perf_counter() - started)
    except VideoError as error:
        return VideoOutcome(str(path), None, error, time.perf_counter() - started)
