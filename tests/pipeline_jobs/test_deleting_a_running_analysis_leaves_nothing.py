"""An analysis its owner deletes while the worker runs it is gone for good: the worker stops at its next
step and stores no crop, heatmap or downloaded video that no row would point at. A result the worker
cannot save fails at once with a reason, its half-written crops removed."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from detector import inference, jobs, link_fetch, services
from detector.link_videos import submit_link
from detector.models import Analysis, FrameResult, Video
from tests.fixtures import fake_result, make_analysis

pytestmark = pytest.mark.django_db(transaction=True)  # files are deleted once the rows' deletion commits


def media_files():
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def delete(analysis_id):
    services.delete_analysis(Analysis.objects.get(pk=analysis_id))


def test_deleted_while_it_runs_the_worker_stops_at_its_next_step(user, active_model, monkeypatch):
    analysis = make_analysis(user)
    before = media_files()
    went_on = []

    def pipeline(path, model_version, options, progress):
        progress("sampling", 0.1)
        delete(analysis.pk)  # the owner clicks Delete on the running analysis
        progress("detecting", 0.5)
        went_on.append(True)
        return fake_result(frames=3)

    monkeypatch.setattr(inference, "run_pipeline", pipeline)
    assert jobs.run(analysis.pk) is jobs.Outcome.SKIPPED
    assert went_on == [] and not Analysis.objects.filter(pk=analysis.pk).exists()
    assert not Video.objects.filter(pk=analysis.video_id).exists()
    assert media_files() == before - {Path(analysis.video.file.path)}


def test_deleted_just_before_its_result_is_saved_nothing_is_stored(user, active_model, monkeypatch):
    analysis = make_analysis(user)
    before = media_files()

    def pipeline(path, model_version, options, progress):
        delete(analysis.pk)
        return fake_result(frames=3)  # with three crops to store

    monkeypatch.setattr(inference, "run_pipeline", pipeline)
    assert jobs.run(analysis.pk) is jobs.Outcome.SKIPPED
    assert not FrameResult.objects.exists()
    assert media_files() == before - {Path(analysis.video.file.path)}  # no crop was written for nobody


def test_a_link_deleted_during_its_download_stores_no_video(user, active_model, clips, monkeypatch):
    analysis, _ = submit_link(user, "https://videos.example/interview.mp4", frames=10)
    body = clips["face"].read_bytes()
    before = media_files()

    def fetch(url, file, limits, progress):
        file.write(body)
        delete(analysis.pk)  # deleted while the bytes came in
        return link_fetch.Fetched(url=url, name="interview.mp4", size=len(body))

    monkeypatch.setattr(link_fetch, "fetch", fetch)
    assert jobs.run(analysis.pk) is jobs.Outcome.SKIPPED
    assert not Video.objects.exists() and media_files() == before


def test_a_result_that_cannot_be_saved_fails_once_with_a_reason(user, active_model, monkeypatch):
    analysis = make_analysis(user)
    before = media_files()

    def database_error(*args, **kwargs):
        raise RuntimeError("could not write the verdict")  # after the crops were written

    monkeypatch.setattr(inference, "run_pipeline", lambda *args: fake_result(frames=3))
    monkeypatch.setattr(jobs, "_save_verdict", database_error)
    assert jobs.run(analysis.pk) is jobs.Outcome.FINISHED
    analysis.refresh_from_db()
    # Failed now, on its first attempt, as an internal error that can be retried: not left running for
    # the sweeper to re-run until the attempts run out and the video is blamed.
    assert (analysis.status, analysis.error_code, analysis.attempts) == ("failed", "internal_error", 1)
    assert "retry" in analysis.error_message and services.is_retryable(analysis)
    assert not FrameResult.objects.exists() and media_files() == before
    assert os.path.exists(analysis.video.file.path)  # the video stays for the retry


def test_a_second_delete_of_the_same_analysis_does_nothing(user):
    """A double click or a repeated DELETE: the second request held a copy of the row and failed with a
    server error once the first had deleted its video."""
    analysis = make_analysis(user)
    services.delete_analysis(analysis)
    services.delete_analysis(analysis)  # the same, now stale, instance
    assert not Analysis.objects.exists() and not Video.objects.exists()
