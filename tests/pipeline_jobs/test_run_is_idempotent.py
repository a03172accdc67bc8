"""A redelivered message must not analyse twice, and a re-run must leave exactly one result."""

import pytest

from detector import inference, jobs
from detector.models import Analysis, FrameResult
from tests.fixtures import fake_result, make_analysis

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline_calls(monkeypatch):
    calls = []

    def fake_pipeline(path, model_version, options, progress):
        calls.append(options)
        progress("scoring", 1.0)
        return fake_result()

    monkeypatch.setattr(inference, "run_pipeline", fake_pipeline)
    return calls


def test_it_stores_verdict_scores_and_crops(user, active_model, pipeline_calls):
    analysis = make_analysis(user)
    jobs.run(analysis.pk)
    analysis.refresh_from_db()
    assert (analysis.status, analysis.verdict, analysis.progress) == ("done", "fake", 100)
    assert analysis.model_version == active_model and analysis.frames_analysed == 3
    assert analysis.processing_seconds is not None and analysis.tracks[0]["fake_probability"] == 0.9
    assert FrameResult.objects.filter(analysis=analysis).count() == 3
    assert all(frame.crop.read(2) == b"\xff\xd8" for frame in analysis.frames.all())


def test_a_second_delivery_of_the_same_message_does_nothing(user, active_model, pipeline_calls):
    analysis = make_analysis(user)
    jobs.run(analysis.pk)
    jobs.run(analysis.pk)
    assert len(pipeline_calls) == 1
    assert FrameResult.objects.filter(analysis=analysis).count() == 3


def test_a_retried_run_replaces_the_earlier_frames(user, active_model, pipeline_calls):
    analysis = make_analysis(user)
    jobs.run(analysis.pk)
    Analysis.objects.filter(pk=analysis.pk).update(status=Analysis.Status.QUEUED)
    jobs.run(analysis.pk)
    assert FrameResult.objects.filter(analysis=analysis).count() == 3


def test_the_requested_frame_count_and_model_threshold_reach_the_pipeline(user, active_model, pipeline_calls):
    active_model.threshold = 0.7
    active_model.save()
    jobs.run(make_analysis(user, frames_requested=42).pk)
    assert (pipeline_calls[0].frames, pipeline_calls[0].threshold) == (42, 0.7)


def test_progress_never_goes_backwards_while_stages_interleave(user, active_model, monkeypatch):
    from detector.models import Analysis as Row

    seen = []

    def interleaving_pipeline(path, model_version, options, progress):
        for stage, fraction in [("sampling", 0.5), ("detecting", 0.5), ("sampling", 1.0), ("detecting", 1.0)]:
            progress(stage, fraction)
            seen.append(Row.objects.get(pk=analysis.pk).progress)
        return fake_result()

    monkeypatch.setattr(inference, "run_pipeline", interleaving_pipeline)
    analysis = make_analysis(user)
    jobs.run(analysis.pk)
    assert seen == sorted(seen) and seen[-1] == 70
