"""Shared fixtures: users, an API client, generated clips, an installed random model and a real worker."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests import media

REPO = Path(__file__).resolve().parent.parent
SHARED_SAMPLE = REPO.parent / "shared" / "data" / "ffpp-sample"

# Playwright's sync API runs an event loop in the test thread; the ORM calls beside it are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Close every session on the test database before it is dropped.

    Browser tests make ORM calls from Playwright's event loop and the live server's threads; those
    connections outlive the test and would make dropping the database fail at the end of the run.
    """
    yield
    from django.db import connection, connections

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        connections.close_all()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", "correct horse 42")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.com", "battery staple 42")


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("carol", "carol@example.com", "staff pass 4242", is_staff=True)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    """Generated test media, made once per session (the astronaut face from scikit-image)."""
    root = tmp_path_factory.mktemp("clips")
    face = media.make_face_clip(root / "face.mp4")
    return {
        "face": face,
        "two_faces": media.make_face_clip(root / "two.mp4", faces=2),
        "no_face": media.make_no_face_clip(root / "noface.mp4"),
        "truncated": media.make_truncated_copy(face, root / "truncated.mp4"),
        "text": media.make_text_file(root / "notes.mp4"),
    }


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory):
    """A real, randomly initialised detector saved in the one checkpoint format."""
    from ml.model import checkpoint

    path = tmp_path_factory.mktemp("models") / "random.pt"
    checkpoint.save_random_checkpoint(path)
    return path


@pytest.fixture
def active_model(checkpoint):
    """Register and activate the random checkpoint, as `manage.py install_model` does."""
    from detector.models import ModelVersion
    from ml.model.checkpoint import file_sha256

    return ModelVersion.objects.create(
        name=f"random-{uuid.uuid4().hex[:6]}",
        backbone="resnext50_32x4d",
        checkpoint_path=str(checkpoint),
        checkpoint_sha256=file_sha256(checkpoint),
        is_active=True,
    )


@pytest.fixture(scope="session")
def worker_queue():
    # A queue of our own, so concurrent test runs on the same Redis never take each other's jobs.
    return f"analysis-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def celery_worker(transactional_db, worker_queue, settings):
    """A real Celery worker process on real Redis, reading the test database.

    Needs REDIS_URL (set by `make test`). Function-scoped because the test database is flushed between
    transactional tests; the worker's own start (~5 s with torch) is the price of using the real thing.
    """
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: the end-to-end tests need a real Redis (run `make test`).")
    proc = start_worker(settings, worker_queue, redis_url)
    yield proc
    stop_worker(proc)


def start_worker(settings, queue, redis_url, pool="solo", env=None, concurrency=1):
    """Start a real Celery worker on `queue` and `redis_url`, reading the test database; wait until ready.

    The web side of the test sends to the same queue and broker from now on.
    """
    from django.db import connection

    use_broker(settings, queue, redis_url)
    db = connection.settings_dict
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=redis_url,
        DEEPTRACE_ANALYSIS_QUEUE=queue,
        DJANGO_SETTINGS_MODULE="deepfake_site.settings_test",
        **(env or {}),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "deepfake_site", "worker", "-Q", queue,
         "--concurrency", str(concurrency), "--pool", pool, "--loglevel", "INFO", "--without-heartbeat",
         "--without-gossip", "--without-mingle"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    _wait_for_ready(proc)
    return proc


def stop_worker(proc, sig=signal.SIGTERM):
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)


def use_broker(settings, queue, broker_url):
    """Send every detector task to `queue` on `broker_url` from now on; returns the Celery app."""
    app = route_tasks(settings, queue)
    _point_at_broker(app, broker_url)
    return app


def _point_at_broker(app, broker_url):
    if app.conf.broker_url != broker_url:
        app.conf.broker_url = broker_url
        app._pool = None  # drop connections pooled for the earlier broker
        app.amqp._producer_pool = None


@pytest.fixture(autouse=True)
def _broker_restored():
    """Outage drills point the Celery app at a private broker that they then stop: every test after
    them must start on the configured broker again, or its enqueues go nowhere."""
    yield
    module = sys.modules.get("deepfake_site.celery")
    if module is not None:
        from django.conf import settings

        _point_at_broker(module.app, settings.CELERY_BROKER_URL)


def route_tasks(settings, queue):
    """Send every detector task to `queue` from now on; returns the Celery app."""
    settings.CELERY_TASK_ROUTES = {"detector.tasks.*": {"queue": queue}}
    from deepfake_site.celery import app

    app.conf.task_routes = settings.CELERY_TASK_ROUTES
    # Celery caches its routes at the first task sent: after an earlier test sent one (the contract
    # test's retries), ours would still go to the old queue, which no worker here reads.
    app.amqp.flush_routes()
    app.amqp.router = app.amqp.Router()
    return app


def _wait_for_ready(proc, timeout=90):
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if " ready." in line:
            # Keep draining so the worker never blocks on a full pipe; what it logs stays readable.
            import threading

            proc.output = lines
            threading.Thread(target=lambda: [lines.append(line) for line in proc.stdout], daemon=True).start()
            return
    proc.kill()
    raise RuntimeError("The Celery worker did not start:\n" + "".join(lines[-40:]))


def wait_for(predicate, timeout=120, interval=0.5):
    """Poll until predicate() is truthy; return its value or fail with the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Condition not met within {timeout} s")
