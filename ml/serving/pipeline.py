"""analyze(path, detector, options) -> AnalysisResult: the whole detection, end to end.

Two steps, each one function, shared with training and evaluation so they see what serving sees:
- `find_face_tracks`: sample frames, find faces with MTCNN (settings from the checkpoint), link them
  into tracks and keep the tracks that count. The face-crop cache (ml/training/face_cache.py) stores its output.
- `score_tracks` (ml/serving/scoring.py): each track through the detector in sequences of the checkpoint's
  length, a video's tracks batched together.
The most suspicious track decides the verdict (ml/decision.py). Then, when the options ask for them, each
track's most suspicious crops get a heatmap of where the model looked (ml/serving/heatmaps.py).

Frames stream from a decoding thread (ml/media/prefetch.py), already downscaled for MTCNN, a few frames
ahead of detection, so decoding and detection overlap; each batch goes through MTCNN and is reduced to
its face crops at once, so memory holds a few full-size frames, whatever the video's length.

The face detector, the backbone encoder and the LSTM's classifier are parameters: `ml/serving/many_videos.py`
passes shared ones that merge the work of several videos into large batches, and gets the same
results as `analyze`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from ml.decision import settle_rule, verdict_for
from ml.errors import InvalidScore
from ml.media.faces import Face, FaceDetector, FaceSettings, Track, build_tracks
from ml.media.jpeg import encode_jpeg
from ml.media.prefetch import prefetched
from ml.media.video import check_duration, check_resolution, probe, sample_frames
from ml.model.checkpoint import Detector
from ml.model.presets import face_settings_of
from ml.results import AnalysisResult, AnalyzeOptions, FrameScore, TrackScore, VideoInfo
from ml.serving import allocator, heatmaps
from ml.serving.acceleration import available_cores
from ml.serving.scoring import (
    Classify,
    Encode,
    EncodedTrack,
    Progress,
    ScoredTrack,
    classify_tracks,
    encode_tracks,
)

# A track shorter than this share of the sampled frames (or than 2 faces) is likely a false or passing
# detection; it decides the verdict only when it is all there is.
MIN_TRACK_FRACTION = 0.2
JPEG_QUALITY = 90
# Batches of frames decoded ahead of face detection, on a thread of their own, where a core is free for
# it (see _decode_ahead; 0: always in line, for benchmarks).
DECODE_AHEAD = 2

_face_detectors: dict[tuple, FaceDetector] = {}
_face_detectors_lock = threading.Lock()


@dataclass
class FaceTracks:
    video: VideoInfo
    frames_sampled: int
    faces_found: int
    tracks: list[Track]  # those that count, in track-id order


def analyze(
    path,
    detector: Detector,
    options: AnalyzeOptions | None = None,
    progress: Progress | None = None,
    face_detector: FaceDetector | None = None,
    encode: Encode | None = None,
    classify: Classify | None = None,
) -> AnalysisResult:
    options = options or AnalyzeOptions()
    prepared = prepare(path, detector, options, progress, face_detector, encode)
    return finish([prepared], detector, options, classify)[0]


@dataclass
class Prepared:
    """A video analysed up to the LSTM: its face tracks with their features, and the time taken so far.
    `finish_each` scores any number of them together (ml/serving/process_pool.py scores its workers' videos so)."""

    found: FaceTracks
    encoded: list[EncodedTrack]
    timings: dict[str, float]


def prepare(path, detector: Detector, options: AnalyzeOptions, progress: Progress | None = None,
            face_detector: FaceDetector | None = None, encode: Encode | None = None) -> Prepared:
    """Probe, sample, find the face tracks that count, and encode their crops with the backbone."""
    report = progress or (lambda stage, fraction: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    settings = face_settings_of(detector.preprocessing)
    face_detector = face_detector or cached_face_detector(detector.device, settings)
    found = find_face_tracks(path, options.frames, options.sampling, face_detector, report, timings,
                             max_duration_s=options.max_duration_s, detect_max_side=options.detect_max_side,
                             decode_threads=options.decode_threads, max_side=options.max_side)
    # Heatmaps asked for: the backbone's pass keeps each crop's last feature map for them (ml/serving/heatmaps.py).
    keep_maps = options.heatmaps_top_k > 0 and heatmaps.explainable(detector)
    with _timed(timings, "scoring"):
        encoded = encode_tracks(found.tracks, detector, report, encode, keep_maps)
    timings["total"] = time.perf_counter() - started
    return Prepared(found, encoded, timings)


def finish(prepared: list[Prepared], detector: Detector, options: AnalyzeOptions,
           classify: Classify | None = None) -> list[AnalysisResult]:
    """Each video's result (`finish_each`); raises InvalidScore if any video's scores are not numbers."""
    results = finish_each(prepared, detector, options, classify)
    broken = next((r for r in results if isinstance(r, InvalidScore)), None)
    if broken is not None:
        raise broken
    return results


def finish_each(prepared: list[Prepared], detector: Detector, options: AnalyzeOptions,
                classify: Classify | None = None) -> list[AnalysisResult | InvalidScore]:
    """Each video's result, or the InvalidScore that stands in for it: the LSTM over all their tracks at
    once (it costs about the same for a few sequences as for one), then each verdict. One video's NaN
    leaves the others' results standing (the batch path reports it as that video's failure). Each
    video's timings include the LSTM's whole time. `classify` (default: `classify_tracks` on `detector`)
    may merge them with other callers' videos."""
    started = time.perf_counter()
    classify = classify or (lambda videos: classify_tracks(videos, detector))
    scored = classify([p.encoded for p in prepared])
    elapsed = time.perf_counter() - started
    results: list[AnalysisResult | InvalidScore] = []
    for p, s in zip(prepared, scored):
        timings = {**p.timings, "scoring": p.timings["scoring"] + elapsed, "total": p.timings["total"] + elapsed}
        try:
            check_scores(s)  # before the heatmaps: no work for a score that gives no verdict
        except InvalidScore as error:
            results.append(error)
            continue
        maps = _heatmaps(s, p.encoded, detector, options.heatmaps_top_k, timings)
        results.append(result_of(p.found, s, detector, options, timings, maps))
    return results


def check_scores(scored: list[ScoredTrack]) -> None:
    """Raise InvalidScore unless every track's score is a number: NaN compares false with everything,
    so max() and the verdict would turn it into a confident "real"."""
    broken = [s.track.id for s in scored if not math.isfinite(s.fake_probability)]
    if broken:
        raise InvalidScore(f"The model scored face track(s) {broken} as NaN or infinite; no verdict is given.")


def _heatmaps(scored: list[ScoredTrack], encoded: list[EncodedTrack], detector: Detector, top_k: int,
              timings: dict) -> dict:
    """One video's heatmaps after its scores (ml/serving/heatmaps.py), timed as "heatmaps"."""
    if top_k <= 0:
        return {}
    started = time.perf_counter()
    maps = heatmaps.heatmap_jpegs(scored, encoded, detector, top_k)
    timings["heatmaps"] = time.perf_counter() - started
    timings["total"] += timings["heatmaps"]
    return maps


def cached_face_detector(device: str, settings: FaceSettings | None = None) -> FaceDetector:
    """One FaceDetector per device and settings per process: MTCNN is loaded once, not per video."""
    settings = settings or FaceSettings()
    key = (str(device), settings)
    with _face_detectors_lock:
        if key not in _face_detectors:
            _face_detectors[key] = FaceDetector.from_settings(settings, device)
        return _face_detectors[key]


# --- Faces -----------------------------------------------------------------------------------------


def find_face_tracks(path, frames: int, sampling: str, face_detector: FaceDetector, progress: Progress | None = None,
                     timings: dict | None = None, *, max_duration_s: float | None = None,
                     detect_max_side: int | None = None, decode_threads: int = 0,
                     max_side: int | None = None) -> FaceTracks:
    """Probe, sample `frames` frames, detect and crop faces, and keep the face tracks that count.

    A video longer than `max_duration_s` (counted, boundedly, when its header does not say) or with
    frames larger than `max_side` is refused before a frame is decoded. After a video of outsized frames
    the memory its decoding took is handed back to the kernel (ml/serving/allocator.py)."""
    report = progress or (lambda stage, fraction: None)
    timings = {} if timings is None else timings
    with _timed(timings, "probing"):
        report("probing", 0.0)
        info = probe(path, max_duration_s=max_duration_s)
        check_duration(info, max_duration_s)
        check_resolution(info, max_side)
        report("probing", 1.0)
    try:
        # closing(): the decoder is released as soon as detection stops, an error included.
        with closing(sample_frames(path, frames, sampling, info, threads=decode_threads)) as decoded:
            faces, sampled = _detect_faces(decoded, frames, face_detector, detect_max_side, report, timings)
    finally:
        if allocator.is_outsized(info.width, info.height):
            allocator.give_back()
    tracks = build_tracks(faces, (info.width, info.height))
    return FaceTracks(info, sampled, len(faces), tracks_that_count(tracks, sampled))


class _Sampled(NamedTuple):
    index: int
    timestamp_s: float
    rgb: np.ndarray  # full resolution: crops are cut from it
    prepared: np.ndarray  # what MTCNN takes (FaceDetector.prepare)
    scale: float


def _detect_faces(decoded: Iterator, frames: int, face_detector, max_side, report, timings) -> tuple[list[Face], int]:
    """Sample frames and detect faces batch by batch; return the faces and how many frames were read.
    "sampling" times only the wait for decoded frames: the decoding that detection did not hide."""
    timings.setdefault("sampling", 0.0)
    timings.setdefault("detecting", 0.0)
    faces: list[Face] = []
    sampled = 0
    ahead = _prepared(decoded, face_detector, max_side)
    if _decode_ahead(face_detector):
        ahead = prefetched(ahead, depth=DECODE_AHEAD * face_detector.batch_size)
    # closing(): an error in detection stops the decoding thread now, not when the traceback is freed.
    with closing(ahead):
        for batch in _batches(_reporting(ahead, frames, report), face_detector.batch_size, timings):
            with _timed(timings, "detecting"):
                detections = face_detector.detect_prepared([f.prepared for f in batch], batch[0].scale)
                for pos, (frame, dets) in enumerate(zip(batch, detections), start=sampled):
                    crops = face_detector.crop_faces(frame.rgb, dets)
                    faces.extend(Face(pos, frame.index, frame.timestamp_s, d.box, d.probability, c, d.landmarks)
                                 for d, c in zip(dets, crops))
            sampled += len(batch)
            report("detecting", min(1.0, sampled / max(frames, 1)))
    return faces, sampled


def _decode_ahead(face_detector: FaceDetector) -> bool:
    """Decode on a thread of its own when a core is free for it: always beside a GPU; on a CPU only
    when torch leaves a core idle. With torch on every core the decoder only slows MTCNN down (20
    frames of a 1080p clip, 2 cores: 1.02 s in line, 1.15 s ahead)."""
    if not DECODE_AHEAD:
        return False
    return face_detector.device.type != "cpu" or torch.get_num_threads() < available_cores()


def _prepared(frames: Iterator, face_detector: FaceDetector, max_side: int | None) -> Iterator[_Sampled]:
    """Frames with their MTCNN input, made on the decoding thread (a video's frames share one size)."""
    scale = None
    for index, timestamp, rgb in frames:
        if scale is None:
            scale = face_detector.scale_for(rgb.shape, max_side)
        yield _Sampled(index, timestamp, rgb, face_detector.prepare(rgb, scale), scale)


def _reporting(frames: Iterator, wanted: int, report: Progress) -> Iterator:
    """Pass frames through, reporting each one: decoding a 1080p clip takes seconds, and a bar that
    moves only per batch looks stuck."""
    for n, frame in enumerate(frames, start=1):
        report("sampling", min(1.0, n / max(wanted, 1)))
        yield frame


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


def tracks_that_count(tracks: list[Track], sampled: int) -> list[Track]:
    """The tracks seen on enough of the `sampled` frames to score (a face glimpsed once is no evidence);
    the longest one when none is."""
    needed = max(2, math.ceil(MIN_TRACK_FRACTION * sampled))
    kept = [t for t in tracks if len(t.faces) >= needed]
    if kept or not tracks:
        return kept
    return [max(tracks, key=lambda t: len(t.faces))]


# --- Result --------------------------------------------------------------------------------------


def result_of(found: FaceTracks, scored: list[ScoredTrack], detector: Detector, options: AnalyzeOptions,
              timings: dict, maps: dict | None = None) -> AnalysisResult:
    """The verdict and the evidence: the most suspicious track decides, each face with its score (and its
    heatmap where `maps`, keyed by (track position, face position), has one). The scores are finite:
    `finish_each`, the one caller, checks them first."""
    maps = maps or {}
    threshold, band = settle_rule(options, detector)
    p_fake = max((s.fake_probability for s in scored), default=None)
    verdict, confidence = verdict_for(p_fake, threshold, band)
    return AnalysisResult(
        verdict=verdict,
        confidence=confidence,
        fake_probability=p_fake,
        threshold=threshold,
        uncertain_band=band,
        frames_sampled=found.frames_sampled,
        faces_found=found.faces_found,
        video=found.video,
        tracks=[TrackScore(s.track.id, s.fake_probability, len(s.track.faces)) for s in scored],
        frames=[_frame_score(s.track.id, f, p, maps.get((t, i))) for t, s in enumerate(scored)
                for i, (f, p) in enumerate(zip(s.track.faces, s.step_probabilities))],
        timings=timings,
    )


def _frame_score(track_id: int, face: Face, p_fake: float, heatmap: bytes | None = None) -> FrameScore:
    box = tuple(int(round(v)) for v in face.box)
    return FrameScore(track_id, face.frame_index, face.timestamp_s, box, p_fake, encode_jpeg(face.crop, JPEG_QUALITY),
                      heatmap)


@contextmanager
def _timed(timings: dict, stage: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start
