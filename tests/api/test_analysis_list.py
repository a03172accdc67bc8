"""GET /api/v1/analyses/: one's own analyses, newest first, paginated, filterable."""

import pytest

from tests.fixtures import error_code, make_done, make_failed

pytestmark = pytest.mark.django_db
URL = "/api/v1/analyses/"


def test_it_lists_only_ones_own_analyses_newest_first(alice, user, other_user):
    older, newer = make_done(user), make_done(user, verdict="real", p_fake=0.1)
    make_done(other_user)
    body = alice.get(URL).json()
    assert body["count"] == 2
    assert [a["id"] for a in body["results"]] == [newer.pk, older.pk]
    assert body["results"][0]["video_name"] == "clip.mp4" and body["results"][0]["url"].endswith(f"/{newer.pk}/")


def test_it_paginates(alice, user):
    for _ in range(22):
        make_failed(user)
    first = alice.get(URL).json()
    assert first["count"] == 22 and len(first["results"]) == 20 and first["next"]
    assert len(alice.get(first["next"]).json()["results"]) == 2


def test_it_filters_by_status_and_verdict(alice, user):
    fake, real, failed = make_done(user), make_done(user, verdict="real", p_fake=0.1), make_failed(user)
    assert [a["id"] for a in alice.get(URL, {"verdict": "real"}).json()["results"]] == [real.pk]
    assert [a["id"] for a in alice.get(URL, {"status": "failed"}).json()["results"]] == [failed.pk]
    assert [a["id"] for a in alice.get(URL, {"status": "done", "verdict": "fake"}).json()["results"]] == [fake.pk]


def test_it_refuses_an_unknown_filter_value(alice):
    response = alice.get(URL, {"verdict": "maybe"})
    assert response.status_code == 400 and error_code(response) == "invalid"
    assert "verdict" in response.json()["error"]["detail"]


def test_it_asks_anonymous_clients_to_authenticate(api_client):
    response = api_client.get(URL)
    assert response.status_code == 401 and error_code(response) == "not_authenticated"


def test_it_answers_delete_on_the_collection_with_405(alice):
    assert alice.delete(URL).status_code == 405
