"""The review page: video, evidence, model version, history, and a form that adds a decision."""

import pytest

from detector.models import Review

pytestmark = pytest.mark.django_db


def page_url(analysis):
    return f"/admin/detector/flaggedanalysis/{analysis.pk}/change/"


def test_it_shows_the_video_the_crops_and_the_model_version(staff_client, flagged):
    page = staff_client.get(page_url(flagged)).content.decode()
    assert f'<video controls preload="metadata" data-player src="/media/videos/{flagged.video_id}"' in page
    assert page.count('src="/media/crops/') == 3 and "v-review" in page and "Not reviewed yet" in page


def test_it_records_decisions_as_history_never_overwriting(staff_client, staff_user, flagged):
    first = staff_client.post(page_url(flagged), {"decision": "escalate", "note": "ask legal"})
    assert first.status_code == 302
    staff_client.post(page_url(flagged), {"decision": "overturned_real", "note": "a real interview"})
    reviews = list(flagged.reviews.order_by("created_at"))
    assert [r.decision for r in reviews] == ["escalate", "overturned_real"]
    assert all(r.reviewer == staff_user for r in reviews) and reviews[0].note == "ask legal"
    page = staff_client.get(page_url(flagged)).content.decode()
    assert "Needs escalation" in page and "Judged real" in page and "a real interview" in page


def test_it_refuses_a_decision_that_is_not_one_of_the_three(staff_client, flagged):
    response = staff_client.post(page_url(flagged), {"decision": "shrug"})
    assert response.status_code == 200 and not Review.objects.exists()


def test_a_real_verdict_is_not_in_the_queue(staff_client, user):
    from tests.fixtures import make_done

    real = make_done(user, verdict="real", p_fake=0.1)
    assert staff_client.get(page_url(real)).status_code == 302  # "does not exist" redirect


def test_non_staff_cannot_open_it(client, user, flagged):
    client.force_login(user)
    assert client.post(page_url(flagged), {"decision": "overturned_real"}).status_code == 302
    assert not Review.objects.exists()
