"""/accounts/tokens/: create a named token (shown once), list, revoke; a revoked token gets 401."""

import pytest
from django.urls import reverse

from accounts.models import ApiToken, hash_token

pytestmark = pytest.mark.django_db


def test_it_creates_a_token_and_shows_the_key_once(client, user):
    client.force_login(user)
    response = client.post(reverse("token-create"), {"name": "nightly scan"}, follow=True)
    assert response.redirect_chain == [(reverse("tokens"), 302)]  # a refresh cannot create another
    raw = response.context["new_key"]
    token = ApiToken.objects.get(user=user)
    assert token.name == "nightly scan" and token.key_hash == hash_token(raw) and token.prefix == raw[:8]
    assert raw in response.content.decode()
    assert raw not in client.get(reverse("tokens")).content.decode()


def test_the_new_key_authenticates_api_calls_and_is_marked_used(client, user, api_client):
    client.force_login(user)
    raw = client.post(reverse("token-create"), {"name": "ci"}, follow=True).context["new_key"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api_client.get("/api/v1/analyses/").status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_it_lists_ones_own_active_tokens(client, user, other_user):
    ApiToken.issue(user, "laptop")
    ApiToken.issue(other_user, "bobs-secret-thing")
    client.force_login(user)
    page = client.get(reverse("tokens")).content.decode()
    token = ApiToken.objects.get(user=user)
    assert "laptop" in page and f"{token.prefix}…" in page and "never" in page
    assert "bobs-secret-thing" not in page


def test_it_refuses_a_token_without_a_name(client, user):
    client.force_login(user)
    assert client.post(reverse("token-create"), {"name": ""}).status_code == 400
    assert not ApiToken.objects.exists()


def test_a_revoked_token_gets_401(client, user, api_client):
    token, raw = ApiToken.issue(user, "old")
    client.force_login(user)
    response = client.post(reverse("token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert list(client.get(reverse("tokens")).context["tokens"]) == []
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api_client.get("/api/v1/analyses/").status_code == 401


def test_it_answers_404_when_revoking_another_users_token(client, user, other_user):
    token, _ = ApiToken.issue(other_user, "bob's")
    client.force_login(user)
    assert client.post(reverse("token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_anonymous_visitors_are_sent_to_log_in(client):
    for response in (client.get(reverse("tokens")), client.post(reverse("token-create"), {"name": "x"})):
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert not ApiToken.objects.exists()


def test_wrong_methods_get_405(client, user):
    token, _ = ApiToken.issue(user, "t")
    client.force_login(user)
    assert client.get(reverse("token-create")).status_code == 405
    assert client.get(reverse("token-revoke", args=[token.pk])).status_code == 405
    assert client.post(reverse("tokens")).status_code == 405
