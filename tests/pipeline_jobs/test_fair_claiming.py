"""A worker taking a message claims the queued analysis of the owner served least, not strictly the
message's own: one user's backlog does not hold another's single upload. Each message still claims at
most one analysis, so every queued analysis runs once."""

import pytest

from detector import inference, jobs
from detector.models import Analysis
from tests.fixtures import fake_result, make_analysis

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline_runs(monkeypatch):
    """The paths the pipeline was run on (a fast fake at the one seam)."""
    runs = []
    monkeypatch.setattr(inference, "run_pipeline", lambda path, *args: runs.append(path) or fake_result())
    return runs


def test_the_next_message_of_a_backlog_runs_another_users_upload_first(user, other_user, active_model, pipeline_runs):
    backlog = [make_analysis(user) for _ in range(3)]
    single = make_analysis(other_user)
    assert jobs.run_next(backlog[0].pk) == (jobs.Outcome.FINISHED, backlog[0].pk)  # equal: its own
    assert jobs.run_next(backlog[1].pk) == (jobs.Outcome.FINISHED, single.pk)  # alice was just served
    assert Analysis.objects.get(pk=backlog[1].pk).status == "queued"


def test_every_message_runs_one_analysis_and_all_of_them_run(user, other_user, active_model, pipeline_runs):
    queued = [make_analysis(user) for _ in range(4)] + [make_analysis(other_user)]
    ran = [jobs.run_next(analysis.pk)[1] for analysis in queued]  # one delivery per message, in order
    assert sorted(ran) == sorted(a.pk for a in queued) and len(pipeline_runs) == 5
    assert ran.index(queued[-1].pk) == 1  # bob's upload came second, not last
    assert set(Analysis.objects.values_list("status", flat=True)) == {"done"}


def test_a_message_with_nothing_left_to_claim_does_nothing(user, active_model, pipeline_runs):
    analysis = make_analysis(user)
    jobs.run_next(analysis.pk)
    assert jobs.run_next(analysis.pk) == (jobs.Outcome.SKIPPED, analysis.pk) and len(pipeline_runs) == 1


def test_a_message_whose_analysis_another_worker_holds_comes_back_later(user, active_model, pipeline_runs):
    held = make_analysis(user)
    assert jobs.claim(held.pk)
    assert jobs.run_next(held.pk) == (jobs.Outcome.LEASED, held.pk) and pipeline_runs == []


def test_an_owner_with_work_running_waits_behind_one_with_none(user, other_user, active_model, pipeline_runs):
    running, mine = make_analysis(user), make_analysis(user)
    assert jobs.claim(running.pk)  # alice has one running on another worker
    theirs = make_analysis(other_user)
    assert jobs.run_next(mine.pk) == (jobs.Outcome.FINISHED, theirs.pk)
