import pytest

from detector.models import Analysis
from tests.web.helpers import make_analysis

pytestmark = pytest.mark.django_db


def test_it_reports_stage_progress_and_status(client, user):
    analysis = make_analysis(user, status=Analysis.Status.RUNNING, stage="scoring", progress=80)
    client.force_login(user)
    data = client.get(f"/analyses/{analysis.pk}/status.json").json()
    assert data == {"id": analysis.pk, "status": "running", "status_label": "Running", "stage": "scoring",
                    "attempt": 0, "label": "Running: Scoring faces", "progress": 80, "seconds_left": None, "eta": "",
                    "finished": False, "verdict": ""}


def test_it_says_when_the_analysis_is_finished(client, user):
    analysis = make_analysis(user, status=Analysis.Status.DONE, verdict="real", progress=100)
    client.force_login(user)
    data = client.get(f"/analyses/{analysis.pk}/status.json").json()
    assert data["finished"] is True and data["verdict"] == "real"


def test_another_users_status_is_a_404(client, user, other_user):
    analysis = make_analysis(other_user)
    client.force_login(user)
    assert client.get(f"/analyses/{analysis.pk}/status.json").status_code == 404


def test_anonymous_visitors_are_redirected(client, user):
    analysis = make_analysis(user)
    assert client.get(f"/analyses/{analysis.pk}/status.json").status_code == 302


def test_a_post_is_not_allowed(client, user):
    analysis = make_analysis(user)
    client.force_login(user)
    assert client.post(f"/analyses/{analysis.pk}/status.json").status_code == 405
