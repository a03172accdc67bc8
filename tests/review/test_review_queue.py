"""The queue at /admin/detector/flaggedanalysis/: fake and uncertain only, newest first, filterable."""

import pytest

from detector.models import Review
from tests.fixtures import make_done

pytestmark = pytest.mark.django_db
QUEUE = "/admin/detector/flaggedanalysis/"


def ids(response):
    return [a.pk for a in response.context["cl"].result_list]


def test_it_lists_flagged_analyses_newest_first_with_a_thumbnail(staff_client, user, flagged):
    uncertain = make_done(user, verdict="uncertain", p_fake=0.55)
    make_done(user, verdict="real", p_fake=0.05)
    response = staff_client.get(QUEUE)
    assert response.status_code == 200
    assert ids(response) == [uncertain.pk, flagged.pk]
    top = flagged.frames.order_by("-fake_probability").first()
    assert f'src="/media/crops/{top.pk}.jpg"' in response.content.decode()


def test_it_filters_by_confidence_band_verdict_and_reviewed(staff_client, user, staff_user, flagged):
    uncertain = make_done(user, verdict="uncertain", p_fake=0.45)  # confidence 0.55
    Review.objects.create(analysis=flagged, reviewer=staff_user, decision="confirmed_fake")
    assert ids(staff_client.get(QUEUE, {"confidence_band": "very_high"})) == [flagged.pk]
    assert ids(staff_client.get(QUEUE, {"confidence_band": "low"})) == [uncertain.pk]
    assert ids(staff_client.get(QUEUE, {"verdict__exact": "uncertain"})) == [uncertain.pk]
    assert ids(staff_client.get(QUEUE, {"reviewed": "no"})) == [uncertain.pk]
    assert ids(staff_client.get(QUEUE, {"reviewed": "yes"})) == [flagged.pk]
    assert ids(staff_client.get(QUEUE, {"model_version__id__exact": flagged.model_version_id})) == [flagged.pk]


def test_it_is_for_staff_only(client, user, flagged):
    assert client.get(QUEUE).status_code == 302  # anonymous: to the admin login
    client.force_login(user)
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/admin/login/" in response.url
