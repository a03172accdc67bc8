import pytest

from detector.models import Analysis
from tests.web.helpers import make_analysis, make_done_analysis, make_review

pytestmark = pytest.mark.django_db


def test_a_pending_analysis_shows_its_progress_and_polls(client, user):
    analysis = make_analysis(user, status=Analysis.Status.RUNNING, stage="detecting", progress=42)
    client.force_login(user)
    page = client.get(f"/analyses/{analysis.pk}/").content.decode()
    assert "Running: Finding faces" in page and "width: 42%" in page
    assert f'data-status-url="/analyses/{analysis.pk}/status.json"' in page and "js/result.js" in page


def test_a_waiting_analysis_says_it_waits_for_a_model(client, user):
    analysis = make_analysis(user, status=Analysis.Status.WAITING_MODEL)
    client.force_login(user)
    assert "Waiting for a model" in client.get(f"/analyses/{analysis.pk}/").content.decode()


def test_a_done_analysis_shows_the_verdict_crops_scores_and_chart(client, user, active_model):
    analysis = make_done_analysis(user, active_model)
    client.force_login(user)
    page = client.get(f"/analyses/{analysis.pk}/").content.decode()
    assert "verdict-fake" in page and "The model finds signs of manipulation in face 1." in page and "3.3 s" in page
    assert active_model.name in page
    for frame in analysis.frames.all():
        assert f'src="/media/crops/{frame.pk}.jpg"' in page
    assert 'class="evidence-crop real"' in page and "20%" in page
    assert 'class="evidence-crop uncertain"' in page and 'class="evidence-crop fake"' in page
    assert 'class="evidence-chart"' in page and "js/chart.js" in page


def test_a_staff_review_is_shown_beside_the_models_verdict(client, user, staff_user):
    analysis = make_done_analysis(user)
    make_review(analysis, staff_user)
    client.force_login(user)
    page = client.get(f"/analyses/{analysis.pk}/").content.decode()
    assert "Reviewed by staff" in page and "Judged real" in page


def test_a_failed_analysis_shows_the_reason_and_a_retry_button(client, user):
    analysis = make_analysis(user, status=Analysis.Status.FAILED, error_message="The video file is incomplete.")
    client.force_login(user)
    page = client.get(f"/analyses/{analysis.pk}/").content.decode()
    assert "The video file is incomplete." in page
    assert f'action="/analyses/{analysis.pk}/retry/"' in page


def test_another_users_analysis_is_a_404(client, user, other_user):
    analysis = make_analysis(other_user)
    client.force_login(user)
    assert client.get(f"/analyses/{analysis.pk}/").status_code == 404


def test_staff_can_open_anyones_analysis(client, user, staff_user):
    analysis = make_analysis(user)
    client.force_login(staff_user)
    assert client.get(f"/analyses/{analysis.pk}/").status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, user):
    analysis = make_analysis(user)
    assert client.get(f"/analyses/{analysis.pk}/").url.startswith("/accounts/login/")


def test_a_post_is_not_allowed(client, user):
    analysis = make_analysis(user)
    client.force_login(user)
    assert client.post(f"/analyses/{analysis.pk}/").status_code == 405
