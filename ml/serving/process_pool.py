"""The batch path on a CPU: whole videos taken up to their LSTM on worker processes, one torch thread
each, and scored together in the parent.

Beside a GPU, `ml.serving.many_videos` runs analyses on threads whose model calls merge into large batches. On a
CPU there is little to gain from large batches, and one analysis spread over every core wastes part
of them: FFmpeg's frame threads and torch's threads wait on each other at every step. Here each of
`processes` worker processes (one per core by default) runs `ml.serving.pipeline.prepare` on whole videos
(decoding, MTCNN, the backbone) on one torch thread and one decoding thread; the cores are kept busy
by different videos. The LSTM is the exception: memory-bound on a CPU, it reads its 67 MB of weights
at each step whether it reads one sequence or several, so the parent runs it (`ml.serving.pipeline.finish_each`)
over the tracks of the videos the workers have finished, SCORED_TOGETHER per worker at a time.
Each video's result is the one `analyze` gives it alone (tests/ml/test_batch.py).

Workers start by 'spawn': forking a process whose torch (OpenMP) threads have run is unsafe. Each
rebuilds the detector from the parent's weights, sent once as the pool starts. A worker that dies
(killed, out of memory, a crash inside a decoder) takes the pool with it: the videos it had finished
are kept, the others are retried on a fresh pool, and the oldest video in flight at its second such
death fails with AnalysisCrashed, so one poisonous file cannot stop the others.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent import futures
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from ml.errors import AnalysisCrashed
from ml.model.checkpoint import Detector
from ml.model.network import DeepfakeDetector, ModelConfig
from ml.results import AnalyzeOptions
from ml.serving.acceleration import available_cores, torch_threads
from ml.serving.allocator import keep_freed_memory
from ml.serving.outcomes import Pending, VideoOutcome, finish_pending, prepare_one

DEATHS_PER_VIDEO = 2  # a video in flight at this many worker deaths fails instead of being retried
# Finished videos scored together per worker: the parent waits for this many x processes before
# running the LSTM, while each worker still has a video running and one queued.
SCORED_TOGETHER = 2

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


@dataclass(eq=False)
class _Job:
    position: int  # in the caller's list of paths
    path: str | Path
    future: Future  # of a Pending


class WorkerPool:
    """`processes` worker processes holding the detector, for one or many `analyze` calls; close() it
    (or use it as a context manager). Starting one costs seconds (each worker imports torch and builds
    the detector), so a long-lived caller keeps it."""

    def __init__(self, detector: Detector, processes: int | None = None):
        self.processes = processes or available_cores()
        self._detector = detector  # scores what the workers prepare (see _finish)
        self._parts = DetectorParts.of(detector)
        self._executor = self._start()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def analyze(self, paths: Iterable, options: AnalyzeOptions | None = None) -> Iterator[VideoOutcome]:
        """Yield a VideoOutcome per path, in order, with at most (2 + SCORED_TOGETHER) x processes videos
        in flight (running, queued, or finished and waiting for the LSTM)."""
        options = replace(options or AnalyzeOptions(), decode_threads=1)
        pending = enumerate(paths)
        deaths: dict[int, int] = {}  # position in `paths` -> worker deaths it was in flight for
        window: list[_Job] = []  # in position order
        done: dict[int, VideoOutcome] = {}
        next_position = 0

        def submit(position, path) -> None:
            window.append(_Job(position, path, self._submit(path, options)))
            window.sort(key=lambda job: job.position)

        for position, path in itertools.islice(pending, (2 + SCORED_TOGETHER) * self.processes):
            submit(position, path)
        while window:
            batch = self._next_batch(window)
            if any(isinstance(job.future.exception(), BrokenProcessPool) for job in batch):
                for job, outcome in self._recover(window, deaths, submit, options):
                    done[job.position] = outcome
            else:
                for job in batch:
                    window.remove(job)
                outcomes = self._finish([job.future.result() for job in batch], options)
                done.update((job.position, outcome) for job, outcome in zip(batch, outcomes))
            while next_position in done:
                yield done.pop(next_position)
                next_position += 1
                for p, q in itertools.islice(pending, 1):
                    submit(p, q)

    def _submit(self, path, options: AnalyzeOptions) -> Future:
        """The video's future on the pool. A pool that broke before it could take the video raises at
        once; that becomes the future's outcome, so the death is handled like any other (`_recover`)."""
        try:
            return self._executor.submit(_prepare_here, path, options)
        except BrokenProcessPool as error:
            future: Future = Future()
            future.set_exception(error)
            return future

    def _next_batch(self, window: list[_Job]) -> list[_Job]:
        """The videos to score together: the oldest, once done, and the others done by the time
        SCORED_TOGETHER x processes are (waiting costs no throughput: the workers have queued videos)."""
        futures.wait([window[0].future])
        wanted = min(SCORED_TOGETHER * self.processes, len(window))
        while True:
            finished = [job for job in window if job.future.done()]
            if len(finished) >= wanted:
                return finished
            futures.wait([job.future for job in window if not job.future.done()],
                         return_when=futures.FIRST_COMPLETED)

    def _finish(self, pending: list[Pending], options: AnalyzeOptions) -> list[VideoOutcome]:
        # One torch thread here, as in the workers: the cores are theirs, and torch threads that wait
        # for a busy core stall every step of the LSTM.
        with torch_threads(1):
            return finish_pending(pending, self._detector, options)

    def _recover(self, window: list[_Job], deaths: dict[int, int], submit,
                 options: AnalyzeOptions) -> list[tuple[_Job, VideoOutcome]]:
        """A worker died, and the pool with it: videos it had finished are kept; the others are tried
        again on a fresh pool, but the oldest fails once it has been in flight at DEATHS_PER_VIDEO
        deaths, so a poisonous file cannot stop the rest. Returns the outcomes that are settled."""
        futures.wait([job.future for job in window])
        self._restart()
        lost = [job for job in window if isinstance(job.future.exception(), BrokenProcessPool)]
        kept = [job for job in window if job not in lost]
        window.clear()
        for job in lost:
            deaths[job.position] = deaths.get(job.position, 0) + 1
        settled = []
        if kept:
            outcomes = self._finish([job.future.result() for job in kept], options)
            settled += list(zip(kept, outcomes))
        retried = lost
        if lost and deaths[lost[0].position] >= DEATHS_PER_VIDEO:
            settled.append((lost[0], _crashed(lost[0].path)))
            retried = lost[1:]
        for job in retried:
            submit(job.position, job.path)
        return settled

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
    keep_freed_memory()  # as the parent's accelerate() does: the workers' layers reuse freed memory
    torch.set_num_threads(1)
    _detector = parts.build()


def _prepare_here(path, options: AnalyzeOptions) -> Pending:
    return prepare_one(path, _detector, options)


def _crashed(path) -> VideoOutcome:
    error = AnalysisCrashed("The analysis stopped unexpectedly twice on this video (the process running it "
                            "crashed or ran out of memory). Please try again; if it happens again, the file "
                            "may be damaged.")
    return VideoOutcome(str(path), None, error, 0.0)
