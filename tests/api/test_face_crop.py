"""GET /api/v1/analyses/{id}/frames/{frame_id}/crop.jpg: a face crop, for its owner only."""

import pytest

from tests.fixtures import make_done

pytestmark = pytest.mark.django_db


def crop_url(analysis):
    return f"/api/v1/analyses/{analysis.pk}/frames/{analysis.frames.first().pk}/crop.jpg"


def test_it_serves_the_crop_to_its_owner(alice, user):
    response = alice.get(crop_url(make_done(user)))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_it_answers_404_for_another_users_crop(bob, user):
    assert bob.get(crop_url(make_done(user))).status_code == 404


def test_it_answers_404_for_a_frame_of_another_analysis(alice, user):
    mine, other = make_done(user), make_done(user)
    url = f"/api/v1/analyses/{mine.pk}/frames/{other.frames.first().pk}/crop.jpg"
    assert alice.get(url).status_code == 404


def test_it_asks_anonymous_clients_to_authenticate(api_client, user):
    assert api_client.get(crop_url(make_done(user))).status_code == 401


def test_it_answers_post_with_405(alice, user):
    assert alice.post(crop_url(make_done(user))).status_code == 405
