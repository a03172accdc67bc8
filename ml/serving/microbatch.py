"""Merge the model calls of concurrent analyses into large batches on one thread.

Several analyses run at once (threads of `ml.serving.many_videos.analyze_videos`, or of a worker started with
`--pool threads`). Each asks for faces in a few frames and features for a few crops at a time: on a
GPU, far too little to keep it busy. Here every such call becomes a request on a queue; one thread
takes whatever requests are waiting (greedily: it never waits for more to arrive, so a lone analysis
pays no latency), runs them as one batch, and hands each caller its own part back.

`BatchedFaceDetector`, `BatchedEncoder` and `BatchedClassifier` plug into `ml.serving.pipeline.analyze` in
place of a FaceDetector, the direct encoder and the direct LSTM call; each frame's, crop's and
sequence's result does not depend on what it was batched with (beyond float rounding), so a video's
analysis is the same however it was batched (tested).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np
import torch

from ml.media.faces import Detection, FaceDetector
from ml.model.checkpoint import Detector
from ml.model.presets import face_settings_of
from ml.serving.scoring import EncodedTrack, ScoredTrack, classify_tracks, encode_crops

log = logging.getLogger(__name__)

ENCODE_CROPS = 256  # crops per merged backbone pass, unless told otherwise
# Videos per merged LSTM call; classify_tracks still runs at most CLASSIFY_BATCH sequences at a time.
CLASSIFY_VIDEOS = 32


@dataclass(eq=False)
class _Request:
    key: Hashable  # requests are batched only with requests of the same key (same frame size)
    items: list
    future: Future = field(default_factory=Future)


class MicroBatcher:
    """Runs `run(items, key) -> results` (one result per item, in order) on its own thread, on the
    items of all requests with the same key that are waiting, at most `max_items` at a time."""

    def __init__(self, run: Callable[[list, Hashable], Sequence], max_items: int, name: str = "microbatch"):
        self._run = run
        self.max_items = max(1, max_items)
        self._queue: queue.Queue[_Request] = queue.Queue()
        self._closed = False
        self._closing = threading.Lock()  # a request is queued before the close or runs on its caller's thread
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()
        self.batches = 0  # counters for benchmarks: how well requests were merged
        self.items = 0

    def __call__(self, items: Sequence, key: Hashable = None) -> list:
        if not len(items):
            return []
        request = _Request(key, list(items))
        with self._closing:
            queued = not self._closed
            if queued:
                self._queue.put(request)
        if not queued:
            # Closed already (a newly activated model replaced these engines while an analysis still
            # ran on them): nothing will read the queue again, so run it here, unbatched.
            return list(self._run(request.items, key))
        return request.future.result()

    def close(self) -> None:
        """End the thread once the requests already queued are served; later calls run on their
        caller's thread."""
        with self._closing:
            self._closed = True
            self._queue.put(_CLOSE)

    def _serve(self) -> None:
        held: list[_Request] = []  # taken from the queue but left for the next round (another key)
        closing = False
        while held or not closing:
            if not held:
                held.append(self._queue.get())
            held.extend(self._waiting())
            if any(r is _CLOSE for r in held):
                closing = True
                held = [r for r in held if r is not _CLOSE]
                if not held:
                    return
            key = held[0].key
            batch = [r for r in held if r.key == key]
            held = [r for r in held if r.key != key]
            for chunk in _chunks(batch, self.max_items):
                self._run_chunk(chunk, key)

    def _waiting(self) -> list[_Request]:
        taken = []
        while True:
            try:
                taken.append(self._queue.get_nowait())
            except queue.Empty:
                return taken

    def _run_chunk(self, requests: list[_Request], key: Hashable) -> None:
        items = [item for r in requests for item in r.items]
        try:
            results = list(self._run(items, key))
        except BaseException as error:  # each caller gets the error in its own thread
            for r in requests:
                r.future.set_exception(error)
            return
        self.batches += 1
        self.items += len(items)
        start = 0
        for r in requests:
            r.future.set_result(results[start : start + len(r.items)])
            start += len(r.items)


_CLOSE = _Request(key=object(), items=[])


def _chunks(requests: list[_Request], max_items: int) -> list[list[_Request]]:
    """Whole requests, grouped so each group holds at most max_items items (a larger request alone)."""
    chunks, current, size = [], [], 0
    for r in requests:
        if current and size + len(r.items) > max_items:
            chunks.append(current)
            current, size = [], 0
        current.append(r)
        size += len(r.items)
    if current:
        chunks.append(current)
    return chunks


class BatchedFaceDetector:
    """A FaceDetector whose MTCNN calls are merged across threads (frames of one size together)."""

    def __init__(self, face_detector: FaceDetector, max_frames: int | None = None):
        self.inner = face_detector
        # A CPU gains nothing from larger MTCNN batches (it loses: see FaceDetector.batch_size); a GPU
        # takes the frames of several analyses at once.
        default = face_detector.batch_size * (1 if face_detector.device.type == "cpu" else 4)
        self.batcher = MicroBatcher(self._detect, max_frames or default, "mtcnn-batch")

    def __getattr__(self, name):
        # batch_size (what one analysis hands over at a time), settings, scale_for, prepare,
        # crop_faces: the inner detector's.
        return getattr(self.inner, name)

    def detect_prepared(self, prepared: Sequence[np.ndarray], scale: float) -> list[list[Detection]]:
        return self.batcher(prepared, key=(prepared[0].shape, scale)) if len(prepared) else []

    def _detect(self, prepared: list[np.ndarray], key) -> list[list[Detection]]:
        _, scale = key
        # One MTCNN call for the whole merged batch: the inner detector's own batch size is what one
        # analysis hands over, not a limit here.
        return self.inner.detect_prepared(prepared, scale, batch_size=len(prepared))


class BatchedEncoder:
    """The backbone's forward pass over preprocessed crops, merged across threads; with `maps` (an
    analysis that wants heatmaps), each crop's last feature map too, as `encode_crops` gives it (requests
    with and without maps are batched apart)."""

    def __init__(self, detector, max_crops: int | None = None):
        self.detector = detector
        self.batcher = MicroBatcher(self._encode, max_crops or ENCODE_CROPS, "encoder-batch")

    def __call__(self, x: torch.Tensor, maps: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        out = self.batcher(list(x), key=(tuple(x.shape[1:]), maps))
        if not maps:
            return torch.stack(out)
        return torch.stack([f for f, _ in out]), torch.stack([m for _, m in out])

    def _encode(self, crops: list[torch.Tensor], key) -> list:
        out = encode_crops(self.detector, torch.stack(crops), batch=self.batcher.max_items, maps=key[1])
        return list(zip(*out)) if key[1] else list(out)


class BatchedClassifier:
    """The LSTM over videos' encoded tracks (`ml.serving.scoring.classify_tracks`), merged across threads: its
    20 steps cost about the same for several sequences as for one, on a CPU (memory-bound) and a GPU
    (a kernel launch per step) alike."""

    def __init__(self, detector, max_videos: int | None = None):
        self.detector = detector
        self.batcher = MicroBatcher(self._classify, max_videos or CLASSIFY_VIDEOS, "lstm-batch")

    def __call__(self, videos: list[list[EncodedTrack]]) -> list[list[ScoredTrack]]:
        return self.batcher(videos)

    def _classify(self, videos: list[list[EncodedTrack]], key) -> list[list[ScoredTrack]]:
        return classify_tracks(videos, self.detector)


@dataclass
class Engines:
    """The face detector, encoder and LSTM classifier that concurrent analyses share (one of each per
    process)."""

    face_detector: BatchedFaceDetector
    encode: BatchedEncoder
    classify: BatchedClassifier

    def close(self) -> None:
        for engine in (self.face_detector, self.encode, self.classify):
            engine.batcher.close()


_engines: dict[tuple, Engines] = {}
_engines_lock = threading.Lock()


def shared_engines(detector: Detector, *, detect_batch: int | None = None, encode_batch: int | None = None) -> Engines:
    """The process's engines for this detector, made on first use. A different detector (a newly
    activated model) replaces them: the old ones' threads end."""
    key = (id(detector.model), str(detector.device), detect_batch, encode_batch)
    with _engines_lock:
        if key not in _engines:
            for old in _engines.values():
                old.close()
            _engines.clear()
            settings = face_settings_of(detector.preprocessing)
            inner = FaceDetector.from_settings(settings, detector.device, batch_size=detect_batch)
            _engines[key] = Engines(BatchedFaceDetector(inner), BatchedEncoder(detector, encode_batch),
                                    BatchedClassifier(detector))
            log.info("Analyses in this process share batches: up to %d frames per MTCNN call, %d crops per "
                     "backbone pass, on %s", _engines[key].face_detector.batcher.max_items,
                     _engines[key].encode.batcher.max_items, detector.device)
        return _engines[key]
