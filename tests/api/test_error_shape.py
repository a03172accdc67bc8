"""Every API error is {"error": {"code", "message", "detail"}}: the cases not covered per endpoint."""

import pytest
from rest_framework.test import APIClient

from tests.fixtures import error_code

pytestmark = pytest.mark.django_db


def test_an_unknown_api_path_is_a_json_404(alice):
    response = alice.get("/api/v1/nothing-here/")
    assert response.status_code == 404 and error_code(response) == "not_found"


def test_a_session_post_without_csrf_token_is_403(user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/v1/analyses/", {}, format="multipart")
    assert response.status_code == 403 and error_code(response) == "permission_denied"
    assert "CSRF" in response.json()["error"]["message"]


def test_a_session_login_reads_the_api(user):
    client = APIClient()
    client.force_login(user)
    assert client.get("/api/v1/analyses/").status_code == 200


def test_an_unknown_token_is_401_authentication_failed(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    response = api_client.get("/api/v1/analyses/")
    assert response.status_code == 401 and error_code(response) == "authentication_failed"
    assert response.json()["error"]["message"] == "Invalid or revoked API token."
