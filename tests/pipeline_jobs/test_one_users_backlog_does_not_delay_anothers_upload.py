"""Fair queuing on a real worker: user A queues 30 analyses, user B uploads one while A's wait; B's
finishes before most of A's (it used to finish last: the broker's order is first in, first out)."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from detector import services, uploads
from detector.models import Analysis
from tests.fixtures import start_worker, stop_worker, use_broker, wait_for
from tests.media import make_tiny_clip

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
BACKLOG = 30


def tiny_video(owner, path):
    """A 1x1-pixel clip (analysed in a blink: no face to find), stored for `owner`."""
    make_tiny_clip(path)
    data = SimpleUploadedFile(path.name, path.read_bytes(), content_type="video/x-msvideo")
    return services.create_video(owner, data, uploads.check_upload(data))


def test_a_single_upload_finishes_before_most_of_another_users_backlog(
        user, other_user, active_model, settings, worker_queue, tmp_path):
    use_broker(settings, worker_queue, os.environ["REDIS_URL"])
    video = tiny_video(user, tmp_path / "a.avi")
    with transaction.atomic():
        backlog = [services.start_analysis(video, 10) for _ in range(BACKLOG)]
    worker = start_worker(settings, worker_queue, os.environ["REDIS_URL"])
    try:
        wait_for(lambda: Analysis.objects.filter(status="done").exists(), timeout=180, interval=0.05)
        with transaction.atomic():  # B uploads while A's backlog waits
            single = services.start_analysis(tiny_video(other_user, tmp_path / "b.avi"), 10)
        wait_for(lambda: not Analysis.objects.exclude(status__in=["done", "failed"]).exists(), timeout=300,
                 interval=0.2)
    finally:
        stop_worker(worker)
    single.refresh_from_db()
    assert set(Analysis.objects.values_list("status", flat=True)) == {"done"}
    waiting = Analysis.objects.filter(pk__in=[a.pk for a in backlog], started_at__gt=single.created_at)
    ahead = waiting.filter(finished_at__lt=single.finished_at).count()
    print(f"B uploaded with {waiting.count()} of A's {BACKLOG} still waiting; {ahead} of them finished before B's")
    assert waiting.count() >= BACKLOG // 2  # B really arrived behind a backlog
    assert ahead <= 1  # and went ahead of it (the one a worker may have claimed as B arrived)
