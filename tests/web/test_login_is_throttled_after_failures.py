"""Failed log-ins are limited per account (5) and per address (20) in 15 minutes; past a limit even
the right password is refused, with a sentence and status 429."""

import threading
import time

import pytest
from django.test import Client

from tests.web.helpers import LOGIN_LOCKED as LOCKED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]
RIGHT = "correct horse 42"


def log_in(client, password, username="alice", address="203.0.113.7"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_after_five_failures_the_right_password_is_refused_with_a_sentence(client, user):
    assert all(log_in(client, f"guess {i}").status_code == 200 for i in range(5))
    response = log_in(client, RIGHT)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_another_account_from_another_address_is_not_affected(client, user, other_user):
    for i in range(6):
        log_in(client, f"guess {i}")
    response = log_in(client, "battery staple 42", username="bob", address="198.51.100.9")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(other_user.pk)


def test_twenty_failures_from_one_address_lock_every_account_there(client, user):
    for i in range(20):
        assert log_in(client, "x", username=f"nobody{i}").status_code == 200
    assert log_in(client, RIGHT).status_code == 429
    assert log_in(Client(), RIGHT, address="198.51.100.9").status_code == 302


def test_a_right_password_clears_the_accounts_failures(client, user):
    for i in range(4):
        log_in(client, f"guess {i}")
    assert log_in(client, RIGHT).status_code == 302
    client.logout()
    assert all(log_in(client, f"again {i}").status_code == 200 for i in range(5))
    assert log_in(client, RIGHT).status_code == 429


def test_the_window_ends_and_log_in_works_again(client, user, settings):
    settings.DEEPTRACE_LOGIN_WINDOW_S = 1
    for i in range(5):
        log_in(client, f"guess {i}")
    assert log_in(client, RIGHT).status_code == 429

    time.sleep(2.2)
    assert log_in(client, RIGHT).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_guesses_at_once_gets_only_five_password_checks(user):
    barrier, codes = threading.Barrier(12), []

    def guess(i):
        barrier.wait()
        codes.append(log_in(Client(), f"burst {i}").status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] * 5 + [429] * 7


def test_behind_nginx_the_address_is_the_one_nginx_saw_not_a_forged_one(client, user, settings):
    settings.DEEPTRACE_PROXY_COUNT = 1
    for i in range(20):
        client.post("/accounts/login/", {"username": f"nobody{i}", "password": "x"}, REMOTE_ADDR="10.0.0.2",
                    HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.7")  # the left part is the client's to forge
    response = client.post("/accounts/login/", {"username": "alice", "password": RIGHT}, REMOTE_ADDR="10.0.0.2",
                           HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert response.status_code == 429
    # Another client behind the same nginx is not locked out with it.
    other = Client().post("/accounts/login/", {"username": "alice", "password": RIGHT}, REMOTE_ADDR="10.0.0.2",
                          HTTP_X_FORWARDED_FOR="198.51.100.50")
    assert other.status_code == 302
