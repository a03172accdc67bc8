"""The real thing: a Celery worker on Redis, PostgreSQL, MTCNN and a random-init ResNeXt-50 + LSTM."""

import pytest

from detector.models import FrameResult
from tests.fixtures import wait_for
from tests.pipeline_jobs.drills import upload

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def finished(analysis):
    def check():
        analysis.refresh_from_db()
        return analysis.is_finished

    return check


def test_the_worker_analyses_an_upload_and_stores_crops(user, active_model, celery_worker, clips):
    analysis = upload(user, clips["face"])
    wait_for(finished(analysis), timeout=180)
    assert analysis.status == "done", analysis.error_message
    assert analysis.verdict in ("real", "fake", "uncertain")
    assert analysis.frames_analysed == 10 and analysis.faces_found >= 8
    assert 0.5 <= analysis.confidence <= 1 and analysis.processing_seconds > 0
    crops = FrameResult.objects.filter(analysis=analysis)
    assert crops.count() >= 8
    assert all(0 <= c.fake_probability <= 1 and c.crop.read(2) == b"\xff\xd8" for c in crops)


def test_a_clip_without_faces_ends_with_a_no_face_verdict(user, active_model, celery_worker, clips):
    analysis = upload(user, clips["no_face"])
    wait_for(finished(analysis), timeout=180)
    assert (analysis.status, analysis.verdict, analysis.faces_found) == ("done", "no_face", 0)
    assert not FrameResult.objects.filter(analysis=analysis).exists()
