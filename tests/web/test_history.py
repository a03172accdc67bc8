import pytest

from detector.models import Analysis
from tests.web.helpers import make_analysis

pytestmark = pytest.mark.django_db


def test_it_lists_only_my_analyses_newest_first_with_badges(client, user, other_user):
    make_analysis(user, status=Analysis.Status.DONE, verdict="fake", confidence=0.8, fake_probability=0.8)
    newest = make_analysis(user, status=Analysis.Status.FAILED)
    theirs = make_analysis(other_user)
    client.force_login(user)
    page = client.get("/analyses/").content.decode()
    assert page.count('class="filename"') == 2
    assert f"/analyses/{theirs.pk}/" not in page
    assert page.index(f"/analyses/{newest.pk}/") < page.index("badge verdict-fake")
    assert "Fake · 80% fake" in page and "status-failed" in page


def test_it_is_paginated(client, user):
    for _ in range(21):
        make_analysis(user)
    client.force_login(user)
    assert client.get("/analyses/").content.decode().count('class="filename"') == 20
    assert client.get("/analyses/?page=2").content.decode().count('class="filename"') == 1


def test_anonymous_visitors_are_redirected(client):
    assert client.get("/analyses/").status_code == 302


def test_a_post_is_not_allowed(client, user):
    client.force_login(user)
    assert client.post("/analyses/").status_code == 405
