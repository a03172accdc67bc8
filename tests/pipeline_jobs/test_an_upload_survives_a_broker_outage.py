"""Drill: the broker is down during an upload. The upload is accepted (202), the analysis waits as
queued, and once the broker is back the sweeper sends it and it is done, exactly once."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from detector.models import Analysis, Video
from tests.fixtures import start_worker, stop_worker, token_client, use_broker
from tests.private_redis import PrivateRedis

from .drills import wait_until_finished

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_upload_while_the_broker_is_down_is_accepted_and_analysed_after_it_returns(
        user, active_model, clips, settings, worker_queue):
    redis = PrivateRedis()  # not started: the broker is down
    use_broker(settings, worker_queue, redis.url)
    body = {"video": SimpleUploadedFile("face.mp4", clips["face"].read_bytes(), "video/mp4"), "frames": 10}
    response = token_client(user).post("/api/v1/analyses/", body, format="multipart")
    assert response.status_code == 202, response.content
    analysis = Analysis.objects.get(pk=response.json()["id"])
    assert (analysis.status, analysis.enqueued_at) == ("queued", None)
    redis.start()
    try:
        worker = start_worker(settings, worker_queue, redis.url)  # its start-up sweep sends the analysis
        try:
            analysis = wait_until_finished(analysis, timeout=180)
        finally:
            stop_worker(worker)
    finally:
        redis.stop()
    assert (analysis.status, analysis.attempts) == ("done", 1)
    assert analysis.verdict in ("real", "fake", "uncertain") and Video.objects.count() == 1


def test_the_web_upload_page_also_accepts_an_upload_while_the_broker_is_down(
        user, active_model, clips, settings, worker_queue, client):
    use_broker(settings, worker_queue, PrivateRedis().url)
    client.force_login(user)
    video = SimpleUploadedFile("face.mp4", clips["face"].read_bytes(), "video/mp4")
    response = client.post(reverse("detector:upload"), {"video": video, "frames": 10})
    assert response.status_code == 302
    assert list(Analysis.objects.values_list("status", "enqueued_at")) == [("queued", None)]
