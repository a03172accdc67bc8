"""Drill: kill -9 the main process of a worker with embedded beat (`make run`'s `celery worker -B`),
start another: the sweeps still come at one scheduler's pace. The orphaned beat used to go on beside
the new worker's, and every sweep came twice, long after the worker was gone."""

import os
import signal
import subprocess
import sys
import time

import pytest
import redis

from tests.fixtures import REPO, wait_for
from tests.private_redis import PrivateRedis

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SWEEP_S, LOCK_TTL_S, MEASURE_S = 1, 3, 15


def celery(broker_url, *args):
    """A celery process on a private broker, reading the test database, with short sweep and lock
    intervals. Its sweeps are sent to the "default" queue, which nothing here consumes: they stay in
    the broker's list, to be counted."""
    from django.db import connection

    db = connection.settings_dict
    env = dict(os.environ, REDIS_URL=broker_url, DJANGO_SETTINGS_MODULE="deepfake_site.settings_test",
               DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
               DEEPTRACE_SWEEP_INTERVAL_S=str(SWEEP_S), DEEPTRACE_BEAT_LOCK_TTL_S=str(LOCK_TTL_S))
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "deepfake_site", *args], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def start_worker_with_beat(broker_url, schedule):
    return celery(broker_url, "worker", "-B", "-s", str(schedule), "-Q", "nothing-here", "--pool", "solo",
                  "--without-heartbeat", "--without-gossip", "--without-mingle")


def survivors(group):
    """Processes left in a killed worker's process group: its embedded beat, if it lives on."""
    out = subprocess.run(["ps", "-o", "pid=", "-g", str(group)], capture_output=True, text=True).stdout
    return out.split()


def stop(*procs):
    for proc in procs:
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def sweeps_sent(broker, seconds):
    before = broker.llen("default")
    time.sleep(seconds)
    return broker.llen("default") - before


def test_after_the_worker_is_killed_and_restarted_one_scheduler_sweeps(tmp_path):
    private = PrivateRedis().start()
    broker = redis.Redis.from_url(private.url)
    first = second = None
    try:
        first = start_worker_with_beat(private.url, tmp_path / "beat-1")
        wait_for(lambda: broker.llen("default") >= 2, timeout=90)  # its beat is sweeping
        os.kill(first.pid, signal.SIGKILL)  # the main process only: its beat is a child of its own
        first.wait()
        second = start_worker_with_beat(private.url, tmp_path / "beat-2")
        time.sleep(8)  # the new worker is up, and its beat took the lock if it was free
        sent = sweeps_sent(broker, MEASURE_S)
        orphans = survivors(first.pid)
    finally:
        stop(first, second)
        private.stop()
    print(f"{sent} sweeps in {MEASURE_S} s with a sweep every {SWEEP_S} s; orphaned beats left: {len(orphans)}")
    assert orphans == []  # the killed worker's beat stopped with it
    assert MEASURE_S / SWEEP_S * 0.5 <= sent <= MEASURE_S / SWEEP_S + 2  # one scheduler, not two


def test_a_second_beat_stays_idle_while_the_first_holds_the_lock(tmp_path):
    private = PrivateRedis().start()
    broker = redis.Redis.from_url(private.url)
    beats = []
    try:
        beats = [celery(private.url, "beat", "-s", str(tmp_path / f"beat-{i}")) for i in (1, 2)]
        wait_for(lambda: broker.llen("default") >= 2, timeout=90)
        sent = sweeps_sent(broker, MEASURE_S)
    finally:
        stop(*beats)
        private.stop()
    print(f"two beat services: {sent} sweeps in {MEASURE_S} s with a sweep every {SWEEP_S} s")
    assert sent <= MEASURE_S / SWEEP_S + 2
