"""A GPU host's worker: one process, several analyses at once in threads, their model calls batched together.

Run here on the CPU with the real worker, Redis and PostgreSQL; each analysis must come out as it
would alone.
"""

import os

import pytest

from detector.models import FrameResult
from ml.model.checkpoint import load_detector
from ml.results import AnalyzeOptions
from ml.serving.pipeline import analyze
from tests.fixtures import start_worker, stop_worker
from tests.pipeline_jobs.drills import upload, wait_until_finished

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
THREADED = {"DEEPTRACE_WORKER_POOL": "threads", "DEEPTRACE_WORKER_CONCURRENCY": "3"}


def test_three_analyses_run_together_and_each_matches_one_run_alone(user, active_model, checkpoint, clips,
                                                                      settings, worker_queue):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs a real Redis (run `make test`)")
    worker = start_worker(settings, worker_queue, os.environ["REDIS_URL"], pool="threads", concurrency=3,
                          env=THREADED)
    try:
        names = ("face", "two_faces", "no_face")
        analyses = [upload(user, clips[name]) for name in names]
        done = [wait_until_finished(a, timeout=180) for a in analyses]
    finally:
        stop_worker(worker)
    log = "".join(worker.output)
    assert "share batches" in log, log[-2000:]
    assert all(a.status == "done" for a in done), [a.error_message for a in done]
    first_end = min(a.finished_at for a in done)
    assert sum(a.started_at < first_end for a in done) >= 2  # they ran at the same time, not in turn

    detector = load_detector(checkpoint, device="cpu")
    for name, analysis in zip(names, done):
        alone = analyze(clips[name], detector, AnalyzeOptions(frames=10))
        assert (analysis.verdict, analysis.faces_found) == (alone.verdict, alone.faces_found)
        if alone.fake_probability is None:
            assert analysis.fake_probability is None
            continue
        assert analysis.fake_probability == pytest.approx(alone.fake_probability, abs=1e-5)
        stored = FrameResult.objects.filter(analysis=analysis).order_by("track", "frame_index")
        assert [(f.track, f.frame_index, f.fake_probability) for f in stored] == [
            (f.track, f.frame_index, pytest.approx(f.fake_probability, abs=1e-5))
            for f in sorted(alone.frames, key=lambda f: (f.track, f.frame_index))]
