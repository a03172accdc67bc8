"""Drill: the OOM killer takes the pool child mid-analysis; the analysis still ends with a verdict."""

import os
import signal
import time

import pytest

from tests.fixtures import start_worker, stop_worker

from .drills import (
    LEASE_S,
    pool_children,
    upload,
    wait_until_finished,
    wait_until_running,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_analysis_whose_pool_child_is_killed_is_taken_over_and_finishes(
        user, active_model, clips, settings, worker_queue):
    worker = start_worker(settings, worker_queue, os.environ["REDIS_URL"], pool="prefork",
                          env={"DEEPTRACE_JOB_LEASE_S": str(LEASE_S)})
    try:
        analysis = upload(user, clips["face"], frames=20)
        wait_until_running(analysis)
        [child] = pool_children(worker)
        os.kill(child, signal.SIGKILL)
        killed_at = time.monotonic()
        analysis = wait_until_finished(analysis, timeout=180)
    finally:
        stop_worker(worker)
    assert (analysis.status, analysis.error_message) == ("done", "")
    assert analysis.verdict in ("real", "fake", "uncertain") and analysis.attempts == 2
    assert analysis.frames.count() >= 10 and analysis.heartbeat_at is None
    print(f"pool child killed: verdict {time.monotonic() - killed_at:.1f} s later")
