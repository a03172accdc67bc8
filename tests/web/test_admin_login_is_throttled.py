"""The admin's log-in page counts failures against the same limits as the site's: it was a way
around the log-in throttle for guessing a staff password."""

import pytest
from django.test import Client

from tests.web.helpers import LOGIN_LOCKED as LOCKED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


@pytest.fixture
def reviewer(staff_user):
    staff_user.set_password("reviewer secret 7")
    staff_user.save()
    return staff_user


def admin_log_in(client, username, password, address="203.0.113.7"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password},
                       REMOTE_ADDR=address)


def test_after_five_failures_the_admin_refuses_the_right_password_with_a_sentence(client, reviewer):
    assert all(admin_log_in(client, reviewer.username, f"guess {i}").status_code == 200 for i in range(5))
    response = admin_log_in(client, reviewer.username, "reviewer secret 7")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_on_the_site_and_the_admin_add_up(client, reviewer):
    for i in range(3):
        client.post("/accounts/login/", {"username": reviewer.username, "password": f"site {i}"},
                    REMOTE_ADDR="203.0.113.7")
    for i in range(2):
        assert admin_log_in(client, reviewer.username, f"admin {i}").status_code == 200
    assert admin_log_in(client, reviewer.username, "reviewer secret 7").status_code == 429


def test_a_staff_member_logs_in_to_the_admin_and_their_failures_are_cleared(client, reviewer):
    for i in range(4):
        admin_log_in(client, reviewer.username, f"guess {i}")
    response = admin_log_in(client, reviewer.username, "reviewer secret 7")
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    other = Client()
    assert all(admin_log_in(other, reviewer.username, f"again {i}").status_code == 200 for i in range(5))
    assert admin_log_in(other, reviewer.username, "reviewer secret 7").status_code == 429


def test_a_user_who_is_not_staff_is_still_refused_by_the_admin(client, user):
    response = admin_log_in(client, "alice", "correct horse 42")
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_a_user_trying_the_admin_with_their_own_password_is_not_locked_out_of_the_site(client, user):
    for _ in range(6):
        assert admin_log_in(client, "alice", "correct horse 42").status_code == 200  # not staff: refused
    response = client.post("/accounts/login/", {"username": "alice", "password": "correct horse 42"},
                           REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
