"""analyze_videos(paths, detector, options) -> one VideoOutcome per path, in order: the batch path.

Each video goes through `ml.pipeline`'s own steps in one of two ways (`workers`):
- "threads" (the default beside a GPU): on one of `concurrency` threads, while one thread waits on its
  decoder another's frames are in MTCNN. Their MTCNN calls, backbone passes and LSTM calls go through
  the shared micro-batchers of `ml.microbatch`, so on a GPU they arrive as large batches from several
  videos.
- "processes" (the default on a CPU): prepared (`ml.pipeline.prepare`) on one of `concurrency` worker
  processes, one core each (`ml.process_pool`), whole videos side by side wasting no core, and
  scored in the parent several videos to an LSTM call.
A video's result is the same as `analyze` gives it alone (tested), and a video that cannot be analysed
(`ml.errors.VideoError`) gets its reason in its outcome without stopping the others.

The worker uses the same engines (`shared_engines`) when it runs several analyses in one process.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from ml.acceleration import available_cores
from ml.faces import FaceDetector
from ml.microbatch import BatchedClassifier, BatchedEncoder, BatchedFaceDetector
from ml.outcomes import VideoOutcome, analyze_one
from ml.presets import face_settings_of
from ml.results import AnalyzeOptions
from ml.weights import Detector

log = logging.getLogger(__name__)


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


def default_concurrency(device: str) -> int:
    """Analyses in flight: on a CPU two (one decodes while the other is searched for faces); on a GPU
    enough decoding threads to keep it fed."""
    if str(device).startswith("cuda"):
        return min(16, available_cores())
    return 2


def alongside_others(options: AnalyzeOptions, concurrency: int) -> AnalyzeOptions:
    """Options for one of `concurrency` analyses running at once: the cores shared out between their
    decoders, unless the caller chose (on 2 cores, batch x3 decodes each video on one thread: 1.37
    clips/s against 1.32 with FFmpeg's own threads, which cost 12 % more CPU for the same frames)."""
    if concurrency > 1 and not options.decode_threads:
        return replace(options, decode_threads=max(1, available_cores() // concurrency))
    return options


def default_workers(device: str) -> str:
    """Threads sharing batches beside a GPU; processes, one core each, on a CPU (bench/throughput.py:
    1.4-1.5x the clips/s of one clip at a time on 2 cores, against 1.1-1.2x for threads)."""
    return "threads" if str(device).startswith("cuda") else "processes"


def analyze_videos(
    paths: Iterable,
    detector: Detector,
    options: AnalyzeOptions | None = None,
    *,
    concurrency: int | None = None,
    engines: Engines | None = None,
    workers: str | None = None,
    pool=None,
) -> Iterator[VideoOutcome]:
    """Analyse every video, `concurrency` at a time, yielding outcomes in the order of `paths`.
    `workers`: "threads" or "processes" (default: `default_workers`; "threads" when `engines` are given,
    "processes" when a started `ml.process_pool.WorkerPool` is).

    A few videos per thread or process are in flight (2 x concurrency on threads, 4 x on processes),
    so a long list costs no more memory than a short one.
    """
    if pool is not None:
        yield from pool.analyze(paths, options)
        return
    workers = workers or ("threads" if engines is not None else default_workers(detector.device))
    if workers == "processes":
        from ml.process_pool import analyze_in_processes

        yield from analyze_in_processes(paths, detector, options, processes=concurrency)
        return
    if workers != "threads":
        raise ValueError(f"Unknown workers {workers!r}; use 'threads' or 'processes'.")
    concurrency = concurrency or default_concurrency(detector.device)
    engines = engines or shared_engines(detector)
    options = alongside_others(options or AnalyzeOptions(), concurrency)
    pending = iter(paths)
    with ThreadPoolExecutor(concurrency, thread_name_prefix="analyze") as threads:
        window: deque = deque()

        def submit_next() -> None:
            path = next(pending, None)
            if path is not None:
                window.append(threads.submit(analyze_one, path, detector, options, engines.face_detector,
                                             engines.encode, engines.classify))

        for _ in range(2 * concurrency):
            submit_next()
        while window:
            outcome = window.popleft().result()
            submit_next()
            yield outcome
