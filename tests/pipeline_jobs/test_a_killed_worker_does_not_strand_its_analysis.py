"""Drill: the whole worker is killed mid-analysis; the next worker to start finishes the analysis."""

import os
import signal
import time

import pytest

from tests.fixtures import start_worker, stop_worker

from .drills import LEASE_S, upload, wait_until_finished, wait_until_running

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_analysis_whose_worker_is_killed_is_finished_by_the_next_worker(
        user, active_model, clips, settings, worker_queue):
    env = {"DEEPTRACE_JOB_LEASE_S": str(LEASE_S)}
    first = start_worker(settings, worker_queue, os.environ["REDIS_URL"], pool="prefork", env=env)
    analysis = upload(user, clips["face"], frames=20)
    wait_until_running(analysis)
    stop_worker(first, signal.SIGKILL)  # the message stays unacknowledged in Redis for an hour
    killed_at = time.monotonic()
    time.sleep(LEASE_S + 1)
    second = start_worker(settings, worker_queue, os.environ["REDIS_URL"], env=env)
    try:
        analysis = wait_until_finished(analysis, timeout=180)
    finally:
        stop_worker(second)
    assert (analysis.status, analysis.error_message) == ("done", "")
    assert analysis.verdict in ("real", "fake", "uncertain") and analysis.attempts == 2
    print(f"worker killed: verdict {time.monotonic() - killed_at:.1f} s later")
