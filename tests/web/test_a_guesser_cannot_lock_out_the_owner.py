"""Wrong passwords refuse the address that guesses, not the account everywhere: the owner's right
password from another address gets in while the guesser's address is refused, on the site and in the
admin. Only a guesser spread over many addresses meets the account's own ceiling."""

import pytest
from django.test import Client

from tests.web.helpers import LOGIN_LOCKED as LOCKED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]
GUESSER, OWNER = "203.0.113.7", "198.51.100.20"


def log_in(client, username, password, address, path="/accounts/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_owner_logs_in_from_another_address_while_the_guesser_is_refused(user):
    guesser = Client()
    assert all(log_in(guesser, "alice", f"guess {i}", GUESSER).status_code == 200 for i in range(5))
    refused = log_in(guesser, "alice", "correct horse 42", GUESSER)
    assert refused.status_code == 429 and LOCKED in refused.content.decode()

    owner = Client()
    response = log_in(owner, "alice", "correct horse 42", OWNER)
    assert response.status_code == 302 and owner.session["_auth_user_id"] == str(user.pk)
    assert log_in(guesser, "alice", "guess 6", GUESSER).status_code == 429  # the guesser is still refused


def test_the_admin_lets_a_staff_member_in_from_another_address_while_the_guesser_is_refused(staff_user):
    guesser, admin = Client(), "/admin/login/?next=/admin/"
    for i in range(5):
        log_in(guesser, "carol", f"guess {i}", GUESSER, admin)
    assert log_in(guesser, "carol", "staff pass 4242", GUESSER, admin).status_code == 429

    staff = Client()
    response = log_in(staff, "carol", "staff pass 4242", OWNER, admin)
    assert response.status_code == 302 and staff.get("/admin/").status_code == 200


def test_one_address_cannot_reach_the_accounts_ceiling(user, settings):
    settings.DEEPTRACE_LOGIN_FAILURES_PER_ACCOUNT = 10
    for i in range(30):  # past its own limit from the 6th on: refused, and not counted against alice
        log_in(Client(), "alice", f"guess {i}", GUESSER)
    assert log_in(Client(), "alice", "correct horse 42", OWNER).status_code == 302


def test_guessers_on_many_addresses_meet_the_accounts_ceiling(user, settings):
    settings.DEEPTRACE_LOGIN_FAILURES_PER_ACCOUNT = 10
    for address in ("192.0.2.1", "192.0.2.2"):
        assert all(log_in(Client(), "alice", f"guess {i}", address).status_code == 200 for i in range(5))
    response = log_in(Client(), "alice", "correct horse 42", OWNER)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert log_in(Client(), "bob", "whatever", OWNER).status_code == 200  # other accounts are untouched
