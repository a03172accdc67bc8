"""Any method on an unrouted /api/ path is the JSON 404 the API docs promise, never Django's CSRF page."""

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken
from detector.models import Analysis
from tests.fixtures import error_code, make_done

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_alice(user):
    """A token client on a CSRF-enforcing test client, like curl against the real server."""
    _, raw = ApiToken.issue(user, "tests")
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_an_unsafe_method_on_an_unknown_path_is_a_json_404(strict_alice, method):
    response = getattr(strict_alice, method)("/api/v1/nothing/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert error_code(response) == "not_found"


def test_a_delete_on_a_non_integer_id_is_a_json_404_and_deletes_nothing(strict_alice, user):
    analysis = make_done(user)
    response = strict_alice.delete(f"/api/v1/analyses/{analysis.pk}.5/")
    assert response.status_code == 404 and error_code(response) == "not_found"
    assert Analysis.objects.filter(pk=analysis.pk).exists()


def test_an_anonymous_post_on_an_unknown_path_is_a_json_404():
    response = APIClient(enforce_csrf_checks=True).post("/api/v1/nothing/")
    assert response.status_code == 404 and error_code(response) == "not_found"
