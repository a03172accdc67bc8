import pytest

from detector.models import Analysis
from tests.web.helpers import make_analysis

pytestmark = pytest.mark.django_db


def failed(owner):
    return make_analysis(owner, status=Analysis.Status.FAILED, error_code="internal_error", error_message="Boom.")


def test_retry_queues_a_failed_analysis_again(client, user, active_model):
    analysis = failed(user)
    client.force_login(user)
    response = client.post(f"/analyses/{analysis.pk}/retry/", follow=True)
    analysis.refresh_from_db()
    assert (analysis.status, analysis.error_message) == ("queued", "")
    assert "The analysis is queued again." in response.content.decode()


def test_retry_without_a_model_waits_for_one(client, user):
    analysis = failed(user)
    client.force_login(user)
    client.post(f"/analyses/{analysis.pk}/retry/")
    analysis.refresh_from_db()
    assert analysis.status == "waiting_model"


def test_a_finished_analysis_is_not_retried(client, user, active_model):
    analysis = make_analysis(user, status=Analysis.Status.DONE, verdict="real")
    client.force_login(user)
    response = client.post(f"/analyses/{analysis.pk}/retry/", follow=True)
    analysis.refresh_from_db()
    assert analysis.status == "done" and "Only a failed analysis can be retried." in response.content.decode()


def test_another_users_analysis_is_a_404(client, user, other_user, active_model):
    analysis = failed(other_user)
    client.force_login(user)
    assert client.post(f"/analyses/{analysis.pk}/retry/").status_code == 404
    analysis.refresh_from_db()
    assert analysis.status == "failed"


def test_anonymous_visitors_are_redirected(client, user):
    analysis = failed(user)
    assert client.post(f"/analyses/{analysis.pk}/retry/").status_code == 302


def test_a_get_is_not_allowed(client, user):
    analysis = failed(user)
    client.force_login(user)
    assert client.get(f"/analyses/{analysis.pk}/retry/").status_code == 405


def test_a_second_click_does_not_queue_again_a_run_a_worker_has_taken(user, active_model):
    from django.utils import timezone

    from detector import services

    first_click = failed(user)
    second_click = Analysis.objects.get(pk=first_click.pk)  # loaded by the second request: still failed
    assert services.retry(first_click) is True
    Analysis.objects.filter(pk=first_click.pk).update(status=Analysis.Status.RUNNING, attempts=1,
                                                      heartbeat_at=timezone.now())  # a worker took it
    assert services.retry(second_click) is False  # was True: queued again under the running worker
    row = Analysis.objects.get(pk=first_click.pk)
    assert (row.status, row.attempts) == ("running", 1)
