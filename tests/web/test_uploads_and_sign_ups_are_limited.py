"""The upload form is limited per user and sign-up per address, by the API's sliding windows: one user
queued 130 analyses through the form in 4.7 s, and one address made 30 accounts in 11.6 s."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from detector.models import Analysis
from tests.web.helpers import upload_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def upload(client, clips, **headers):
    return client.post("/", {"video": upload_file(clips["face"]), "frames": 10}, **headers)


def test_past_the_upload_rate_the_form_answers_429_with_a_sentence(client, user, other_user, clips, settings):
    settings.DEEPTRACE_UPLOAD_RATE = "3/hour"
    client.force_login(user)
    assert [upload(client, clips).status_code for _ in range(3)] == [302, 302, 302]  # then duplicates
    response = upload(client, clips)
    assert response.status_code == 429
    assert "You have uploaded 3 videos in the last 1 hour. Try again in" in response.content.decode()
    assert Analysis.objects.count() == 1

    refused = upload(client, clips, HTTP_ACCEPT="application/json")  # upload.js
    assert refused.status_code == 429 and "Try again in" in refused.json()["message"]

    bob = Client()
    bob.force_login(other_user)
    assert upload(bob, clips).status_code == 302  # counted per user


def sign_up(name, address):
    return Client().post("/accounts/signup/", {"username": name, "password1": "a long pass 4242",
                                               "password2": "a long pass 4242"}, REMOTE_ADDR=address)


def test_past_the_sign_up_rate_an_address_is_refused_with_a_sentence(settings):
    settings.DEEPTRACE_SIGNUP_RATE = "2/hour"
    assert [sign_up(f"dora{i}", "203.0.113.7").status_code for i in range(2)] == [302, 302]
    response = sign_up("dora2", "203.0.113.7")
    assert response.status_code == 429
    assert "Too many accounts were created from your address. Try again in" in response.content.decode()
    assert not get_user_model().objects.filter(username="dora2").exists()
    assert sign_up("erin", "198.51.100.4").status_code == 302  # another address


def test_a_form_with_a_mistake_does_not_use_up_a_sign_up(settings):
    settings.DEEPTRACE_SIGNUP_RATE = "1/hour"
    weak = Client().post("/accounts/signup/", {"username": "fay", "password1": "1234", "password2": "1234"},
                         REMOTE_ADDR="203.0.113.9")
    assert weak.status_code == 200
    assert sign_up("fay", "203.0.113.9").status_code == 302
