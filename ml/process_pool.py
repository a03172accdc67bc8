"""The batch path on a CPU: whole videos analysed on worker processes, one torch thread each.

Beside a GPU, `ml.batch` runs analyses on threads whose model calls merge into large batches. On a
CPU there is nothing to gain from large batches, and one analysis spread over every core wastes part
of them: FFmpeg's frame threads and torch's threads wait on each other at every step. Here each of
`processes` worker processes (one per core by default) analyses whole videos with `ml.pipeline.analyze`,
unchanged, on one torch thread and one decoding thread; the cores are kept busy by different videos.
Each video's result is the one `analyze` gives it alone (tests/ml/test_batch.py).

Workers start by 'spawn': forking a process whose torch (OpenMP) threads have run is unsafe. Each
rebuilds the detector from the parent's weights, sent once as the pool starts. A worker that dies
(killed, out of memory, a crash inside a decoder) takes the pool with it: the videos in flight are
retried on a fresh pool, and a video in flight at two such deaths fails with AnalysisCrashed, so one
poisonous file cannot stop the others.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace

import torch

from ml.acceleration import available_cores
from ml.errors import AnalysisCrashed
from ml.model import DeepfakeDetector, ModelConfig
from ml.outcomes import VideoOutcome, analyze_one
from ml.results import AnalyzeOptions
from ml.weights import Detector

DEATHS_PER_VIDEO = 2  # a video in flight at this many worker deaths fails instead of being retried

_detector: Detector | None = None  # in a worker: the detector it analyses with


@dataclass(frozen=True)
class DetectorParts:
    """What a worker needs to rebuild the parent's detector on its CPU."""

    config: ModelConfig
    state: dict
    preprocessing: dict
    threshold: float
    uncertain_band: float
    name: str
    sha256: str

    @classmethod
    def of(cls, detector: Detector) -> DetectorParts:
        # A compiled backbone (DEEPTRACE_COMPILE) names its weights "_orig_mod.*"; the worker's is not compiled.
        state = {k.replace("_orig_mod.", ""): v.detach().cpu() for k, v in detector.model.state_dict().items()}
        return cls(detector.config, state, detector.preprocessing, detector.threshold, detector.uncertain_band,
                   detector.name, detector.sha256)

    def build(self) -> Detector:
        model = DeepfakeDetector(self.config)
        model.load_state_dict(self.state)
        return Detector(model.eval(), self.config, self.preprocessing, self.threshold, self.uncertain_band,
                        "cpu", self.name, self.sha256)


class WorkerPool:
    """`processes` worker processes holding the detector, for one or many `analyze` calls; close() it
    (or use it as a context manager). Starting one costs seconds (each worker imports torch and builds
    the detector), so a long-lived caller keeps it."""

    def __init__(self, detector: Detector, processes: int | None = None):
        self.processes = processes or available_cores()
        self._parts = DetectorParts.of(detector)
        self._executor = self._start()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def analyze(self, paths: Iterable, options: AnalyzeOptions | None = None) -> Iterator:
        """Yield a VideoOutcome per path, in order, with at most 2 x processes videos in flight."""
        options = replace(options or AnalyzeOptions(), decode_threads=1)
        pending = enumerate(paths)
        deaths: dict[int, int] = {}  # position in `paths` -> worker deaths it was in flight for
        window: deque = deque()  # (position, path, future)

        def submit(position, path) -> None:
            window.append((position, path, self._executor.submit(_analyze_here, path, options)))

        for position, path in itertools.islice(pending, 2 * self.processes):
            submit(position, path)
        while window:
            position, path, future = window.popleft()
            try:
                outcome = future.result()
            except BrokenProcessPool:
                in_flight = [(position, path)] + [(p, q) for p, q, _ in window]
                window.clear()
                self._restart()
                for p, _ in in_flight:
                    deaths[p] = deaths.get(p, 0) + 1
                if deaths[position] < DEATHS_PER_VIDEO:
                    for p, q in in_flight:
                        submit(p, q)
                    continue
                outcome = _crashed(path)
                for p, q in in_flight[1:]:
                    submit(p, q)
            for p, q in itertools.islice(pending, 1):
                submit(p, q)
            yield outcome

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker, initargs=(self._parts,))

    def _restart(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._start()


def analyze_in_processes(paths: Iterable, detector: Detector, options: AnalyzeOptions | None = None, *,
                         processes: int | None = None) -> Iterator:
    """`WorkerPool.analyze` on a pool of its own, closed when the videos are done."""
    with WorkerPool(detector, processes) as pool:
        yield from pool.analyze(paths, options)


def _start_worker(parts: DetectorParts) -> None:
    global _detector
    torch.set_num_threads(1)
    _detector = parts.build()


def _analyze_here(path, options: AnalyzeOptions) -> VideoOutcome:
    return analyze_one(path, _detector, options)


def _crashed(path) -> VideoOutcome:
    error = AnalysisCrashed("The analysis stopped unexpectedly twice on this video (the process running it "
                            "crashed or ran out of memory). Please try again; if it happens again, the file "
                            "may be damaged.")
    return VideoOutcome(str(path), None, error, 0.0)
