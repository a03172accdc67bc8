import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def test_a_visitor_can_sign_up_and_is_logged_in(client):
    response = client.post("/accounts/signup/", {
        "username": "dora", "email": "dora@example.com",
        "password1": "a long pass phrase 7", "password2": "a long pass phrase 7",
    })
    assert response.status_code == 302 and response.url == "/"
    assert get_user_model().objects.filter(username="dora").exists()
    assert "Log out" in client.get("/").content.decode()


def test_sign_up_shows_why_a_weak_password_is_refused(client):
    response = client.post("/accounts/signup/", {"username": "dora", "password1": "1234", "password2": "1234"})
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not get_user_model().objects.filter(username="dora").exists()


def test_a_user_can_log_in_and_lands_on_the_upload_page(client, user):
    response = client.post("/accounts/login/", {"username": "alice", "password": "correct horse 42"})
    assert response.status_code == 302 and response.url == "/"
    assert "_auth_user_id" in client.session


def test_a_wrong_password_is_refused_with_a_message(client, user):
    response = client.post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_log_out_is_a_post_and_ends_the_session(client, user):
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_staff_see_the_review_queue_link_and_others_do_not(client, user, staff_user):
    client.force_login(user)
    assert "Review queue" not in client.get("/").content.decode()
    client.force_login(staff_user)
    assert 'href="/admin/detector/flaggedanalysis/"' in client.get("/").content.decode()
