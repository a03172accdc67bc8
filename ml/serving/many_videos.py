"""analyze_videos(paths, detector, options) -> one VideoOutcome per path, in order: the batch path.

Each video goes through `ml.serving.pipeline`'s own steps in one of two ways (`workers`):
- "threads" (the default beside a GPU): on one of `concurrency` threads, while one thread waits on its
  decoder another's frames are in MTCNN. Their MTCNN calls, backbone passes and LSTM calls go through
  the shared micro-batchers of `ml.serving.microbatch`, so on a GPU they arrive as large batches from several
  videos.
- "processes" (the default on a CPU): prepared (`ml.serving.pipeline.prepare`) on one of `concurrency` worker
  processes, one core each (`ml.serving.process_pool`), whole videos side by side wasting no core, and
  scored in the parent several videos to an LSTM call.
A video's result is the same as `analyze` gives it alone (tested), and a video that cannot be analysed
(`ml.errors.VideoError`), or that the model scores NaN (`ml.errors.InvalidScore`), gets its reason in its
outcome without stopping the others.

The worker uses the same engines (`ml.serving.microbatch.shared_engines`) when it runs several
analyses in one process.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from ml.model.checkpoint import Detector
from ml.results import AnalyzeOptions
from ml.serving.acceleration import available_cores
from ml.serving.microbatch import Engines, shared_engines
from ml.serving.outcomes import VideoOutcome, analyze_one

log = logging.getLogger(__name__)


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
    "processes" when a started `ml.serving.process_pool.WorkerPool` is).

    A few videos per thread or process are in flight (2 x concurrency on threads, 4 x on processes),
    so a long list costs no more memory than a short one.
    """
    if pool is not None:
        yield from pool.analyze(paths, options)
        return
    workers = workers or ("threads" if engines is not None else default_workers(detector.device))
    if workers == "processes":
        from ml.serving.process_pool import analyze_in_processes

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
