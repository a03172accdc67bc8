"""An analysis whose worker died (its lease expired) can be retried; one being worked on cannot."""

from datetime import timedelta

import pytest
from django.utils import timezone

from detector import jobs, services
from detector.models import Analysis
from tests.fixtures import make_analysis

pytestmark = pytest.mark.django_db


def running(user, beat_seconds_ago):
    return make_analysis(user, status=Analysis.Status.RUNNING, progress=40, attempts=1,
                         heartbeat_at=timezone.now() - timedelta(seconds=beat_seconds_ago))


def test_a_running_analysis_with_an_expired_lease_is_retried(user, active_model, settings):
    analysis = running(user, settings.DEEPTRACE_JOB_LEASE_S + 5)
    assert services.retry(analysis) is True
    assert Analysis.objects.values_list("status", "progress", "attempts").get(pk=analysis.pk) == ("queued", 0, 0)


def test_a_running_analysis_with_a_live_lease_is_not_retried(user, active_model):
    analysis = running(user, 1)
    assert services.retry(analysis) is False
    assert Analysis.objects.get(pk=analysis.pk).status == "running"


def test_a_delivery_takes_over_an_expired_lease_but_not_a_live_one(user, active_model, settings):
    stale, live = running(user, settings.DEEPTRACE_JOB_LEASE_S + 5), running(user, 1)
    assert jobs.claim(stale.pk) is True and jobs.claim(live.pk) is False
    assert Analysis.objects.get(pk=stale.pk).attempts == 2


def test_a_video_that_keeps_killing_its_worker_fails_with_a_sentence(user, active_model, settings):
    analysis = running(user, settings.DEEPTRACE_JOB_LEASE_S + 5)
    Analysis.objects.filter(pk=analysis.pk).update(attempts=settings.DEEPTRACE_JOB_MAX_ATTEMPTS)
    assert jobs.run(analysis.pk) is jobs.Outcome.FINISHED
    analysis.refresh_from_db()
    assert (analysis.status, analysis.error_code) == ("failed", "worker_lost") and "retry" in analysis.error_message
