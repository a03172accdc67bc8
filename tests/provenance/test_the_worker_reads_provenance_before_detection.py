"""Provenance is a stage of the worker's own, before frames are decoded: stored before detection
starts, kept when detection fails, and never the reason an analysis fails."""

import pytest

from detector import inference, jobs
from detector.models import Analysis
from ml.errors import TruncatedVideo
from tests.fixtures import make_model, token_client
from tests.provenance.helpers import patch_model, upload_and_analyse

pytestmark = pytest.mark.django_db


def test_it_is_stored_before_detection_and_reported_as_its_own_stage(user, signed_clips, trusted, monkeypatch):
    make_model(active=True)
    seen, stages = [], []
    patch_model(monkeypatch, seen)
    writer = jobs.progress_writer
    monkeypatch.setattr(jobs, "progress_writer", lambda pk: (lambda s, f: (stages.append(s), writer(pk)(s, f))))
    analysis = upload_and_analyse(token_client(user), signed_clips["valid"])
    assert seen == ["valid"] and stages[:3] == ["provenance", "provenance", "probing"]
    assert 0 < analysis.provenance["seconds"] < 5


def test_a_failed_detection_keeps_the_provenance(user, signed_clips, monkeypatch):
    make_model(active=True)

    def truncated(*args):
        raise TruncatedVideo("The video stops early.")

    monkeypatch.setattr(inference, "run_pipeline", truncated)
    analysis = upload_and_analyse(token_client(user), signed_clips["tampered"])
    assert analysis.status == "failed" and analysis.provenance["credentials"]["status"] == "tampered"


def test_a_bug_in_reading_it_does_not_fail_the_analysis(user, signed_clips, monkeypatch):
    make_model(active=True)
    patch_model(monkeypatch)
    from ml.media import provenance

    monkeypatch.setattr(provenance, "read", lambda *a: 1 / 0)
    analysis = upload_and_analyse(token_client(user), signed_clips["unsigned"])
    assert (analysis.status, analysis.provenance) == (Analysis.Status.DONE, None)
