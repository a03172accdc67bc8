"""analyze(path, detector, options) -> AnalysisResult: the whole detection, end to end.

Frames stream from the decoder in batches; each batch goes through MTCNN and is reduced to its face
crops at once, so memory holds one batch of full-size frames, whatever the video's length.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import cv2
import numpy as np
import torch

from ml.decision import verdict_for
from ml.faces import Face, FaceDetector, Track, build_tracks
from ml.presets import preset_from_preprocessing
from ml.results import (
    FAKE,
    AnalysisResult, AnalyzeOptions, FrameScore, TrackScore,
)
from ml.video import check_duration, probe, sample_frames
from ml.weights import Detector

Progress = Callable[[str, float], None]
# A track shorter than this share of the sampled frames (or than 2 faces) is likely a false or passing
# detection; it decides the verdict only when it is all there is.
MIN_TRACK_FRACTION = 0.2
JPEG_QUALITY = 90

_face_detectors: dict[str, FaceDetector] = {}
_face_detectors_lock = threading.Lock()


def analyze(
    path,
    detector: Detector,
    options: AnalyzeOptions | None = None,
    progress: Progress | None = None,
    face_detector: FaceDetector | None = None,
) -> AnalysisResult:
    options = options or AnalyzeOptions()
    report = progress or (lambda stage, fraction: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()

    with _timed(timings, "probing"):
        report("probing", 0.0)
        info = probe(path)
        check_duration(info, options.max_duration_s)
        report("probing", 1.0)
    faces, sampled = _detect_faces(path, info, options, face_detector or cached_face_detector(detector.device), report, timings)
    tracks = build_tracks(faces, (info.width, info.height))
    with _timed(timings, "scoring"):
        scored = _score_tracks(_tracks_that_count(tracks, sampled), detector, report)
    timings["total"] = time.perf_counter() - started
    return _result(info, sampled, len(faces), scored, _decision_rule(detector, options), timings)


def cached_face_detector(device: str) -> FaceDetector:
    """One FaceDetector per device per process: MTCNN is loaded once, not per video."""
    with _face_detectors_lock:
        if device not in _face_detectors:
            _face_detectors[device] = FaceDetector(device)
        return _face_detectors[device]


# --- Stages --------------------------------------------------------------------------------------


def _detect_faces(path, info, options, face_detector, report, timings) -> tuple[list[Face], int]:
    """Sample frames and detect faces batch by batch; return the faces and how many frames were read."""
    timings.setdefault("sampling", 0.0)
    timings.setdefault("detecting", 0.0)
    faces: list[Face] = []
    sampled = 0
    for batch in _batches(sample_frames(path, options.frames, options.sampling, info), options.batch_size, timings):
        with _timed(timings, "detecting"):
            detections = face_detector.detect([rgb for _, _, rgb in batch], options.detect_max_side)
            for pos, ((index, ts, rgb), dets) in enumerate(zip(batch, detections), start=sampled):
                crops = face_detector.crop_faces(rgb, dets)
                faces.extend(Face(pos, index, ts, d.box, d.probability, c) for d, c in zip(dets, crops))
        sampled += len(batch)
        report("sampling", min(1.0, sampled / max(options.frames, 1)))
        report("detecting", min(1.0, sampled / max(options.frames, 1)))
    return faces, sampled


def _batches(frames: Iterator, size: int, timings: dict) -> Iterator[list]:
    """Group the frame stream into lists of `size`, timing the decoding as "sampling"."""
    batch = []
    while True:
        with _timed(timings, "sampling"):
            frame = next(frames, None)
        if frame is None:
            break
        batch.append(frame)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _tracks_that_count(tracks: list[Track], sampled: int) -> list[Track]:
    needed = max(2, math.ceil(MIN_TRACK_FRACTION * sampled))
    kept = [t for t in tracks if len(t.faces) >= needed]
    if kept or not tracks:
        return kept
    return [max(tracks, key=lambda t: len(t.faces))]


def _score_tracks(tracks: list[Track], detector: Detector, report) -> list[tuple[Track, float, list[float]]]:
    """(track, sequence fake probability, per-face fake probabilities) for each track."""
    preset = preset_from_preprocessing(detector.preprocessing)
    scored = []
    for k, track in enumerate(tracks):
        x = preset([f.crop for f in track.faces]).unsqueeze(0).to(detector.device)
        with torch.inference_mode():
            out = detector.model(x)
        seq = torch.softmax(out.logits.float(), dim=-1)[0, FAKE].item()
        steps = torch.softmax(out.step_logits.float(), dim=-1)[0, :, FAKE].tolist()
        scored.append((track, seq, steps))
        report("scoring", (k + 1) / len(tracks))
    return scored


# --- Result --------------------------------------------------------------------------------------


def _decision_rule(detector: Detector, options: AnalyzeOptions) -> tuple[float, float]:
    threshold = detector.threshold if options.threshold is None else options.threshold
    band = detector.uncertain_band if options.uncertain_band is None else options.uncertain_band
    return threshold, band


def _result(info, sampled, faces_found, scored, rule, timings) -> AnalysisResult:
    p_fake = max((p for _, p, _ in scored), default=None)
    verdict, confidence = verdict_for(p_fake, *rule)
    return AnalysisResult(
        verdict=verdict,
        confidence=confidence,
        fake_probability=p_fake,
        frames_sampled=sampled,
        faces_found=faces_found,
        video=info,
        tracks=[TrackScore(t.id, p, len(t.faces)) for t, p, _ in scored],
        frames=[_frame_score(t.id, f, p) for t, _, steps in scored for f, p in zip(t.faces, steps)],
        timings=timings,
    )


def _frame_score(track_id: int, face: Face, p_fake: float) -> FrameScore:
    box = tuple(int(round(v)) for v in face.box)
    return FrameScore(track_id, face.frame_index, face.timestamp_s, box, p_fake, encode_jpeg(face.crop))


def encode_jpeg(rgb: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("Could not encode a face crop as JPEG.")
    return buf.tobytes()


@contextmanager
def _timed(timings: dict, stage: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start
