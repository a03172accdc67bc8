"""A user may have DEEPTRACE_MAX_ACTIVE_ANALYSES_PER_USER analyses waiting or running at once; one more
upload or retry is refused with a sentence (429), and nothing is stored."""

import pytest
from django.test import Client

from detector.models import Analysis, Video
from tests.fixtures import make_analysis, make_failed
from tests.web.helpers import upload_file

pytestmark = pytest.mark.django_db
FULL = "You already have 2 analyses waiting or running. Upload more once some of them have finished."


@pytest.fixture
def two_queued(user, settings):
    settings.DEEPTRACE_MAX_ACTIVE_ANALYSES_PER_USER = 2
    return [make_analysis(user), make_analysis(user, status=Analysis.Status.RUNNING)]


def upload(client, clips, **headers):
    return client.post("/", {"video": upload_file(clips["face"]), "frames": 10}, **headers)


def test_an_upload_past_the_cap_gets_429_with_a_sentence_and_stores_nothing(client, user, clips, two_queued):
    client.force_login(user)
    videos = Video.objects.count()
    response = upload(client, clips)
    assert response.status_code == 429 and FULL in response.content.decode()
    assert Analysis.objects.count() == 2 and Video.objects.count() == videos

    refused = upload(client, clips, HTTP_ACCEPT="application/json")
    assert refused.status_code == 429 and refused.json()["message"] == FULL


def test_when_one_finishes_the_next_upload_is_accepted(client, user, clips, two_queued):
    Analysis.objects.filter(pk=two_queued[0].pk).update(status=Analysis.Status.DONE)
    client.force_login(user)
    assert upload(client, clips).status_code == 302 and Analysis.objects.count() == 3


def test_another_users_upload_is_not_held_by_the_cap(other_user, clips, two_queued):
    bob = Client()
    bob.force_login(other_user)
    assert upload(bob, clips).status_code == 302


def test_a_retry_past_the_cap_is_refused_with_a_sentence(client, user, two_queued):
    failed = make_failed(user)
    client.force_login(user)
    response = client.post(f"/analyses/{failed.pk}/retry/", follow=True)
    assert FULL in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == "failed"
