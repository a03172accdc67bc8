"""A failed analysis says why in a sentence and can be retried."""

import pytest

from detector import inference, jobs, services
from detector.models import Analysis
from ml.errors import TruncatedVideo
from tests.fixtures import make_analysis

pytestmark = pytest.mark.django_db


def raising(error):
    def pipeline(*args, **kwargs):
        raise error

    return pipeline


def test_a_bad_video_fails_with_its_own_message(user, active_model, monkeypatch):
    monkeypatch.setattr(inference, "run_pipeline", raising(TruncatedVideo("The video ends early: it looks truncated.")))
    analysis = make_analysis(user)
    jobs.run(analysis.pk)
    analysis.refresh_from_db()
    assert (analysis.status, analysis.error_code) == ("failed", "truncated_video")
    assert analysis.error_message == "The video ends early: it looks truncated."


def test_an_internal_error_fails_with_a_sentence_not_a_traceback(user, active_model, monkeypatch):
    monkeypatch.setattr(inference, "run_pipeline", raising(RuntimeError("CUDA error: device-side assert")))
    analysis = make_analysis(user)
    jobs.run(analysis.pk)
    analysis.refresh_from_db()
    assert analysis.status == "failed" and analysis.error_code == "internal_error"
    assert "CUDA" not in analysis.error_message and "retry" in analysis.error_message


def test_a_failed_analysis_can_be_retried(user, active_model, django_capture_on_commit_callbacks):
    analysis = make_analysis(user, status=Analysis.Status.FAILED, error_message="boom")
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.retry(analysis) is True
    analysis.refresh_from_db()
    assert (analysis.status, analysis.error_message) == ("queued", "")
    assert len(callbacks) == 1


def test_only_failed_analyses_can_be_retried(user, active_model):
    assert services.retry(make_analysis(user, status=Analysis.Status.DONE)) is False
