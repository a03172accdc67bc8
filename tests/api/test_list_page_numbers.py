"""?page= on the analyses list: a malformed number is a 400, a page past the end a 404; both documented."""

import pytest
import yaml

from tests.fixtures import error_code, make_done

pytestmark = pytest.mark.django_db
URL = "/api/v1/analyses/"


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", ""])
def test_it_rejects_a_page_that_is_not_a_positive_whole_number(alice, user, page):
    make_done(user)
    response = alice.get(URL, {"page": page})
    assert response.status_code == 400 and error_code(response) == "invalid"
    assert "page" in response.json()["error"]["detail"]


def test_it_answers_a_page_past_the_end_with_404(alice, user):
    make_done(user)
    response = alice.get(URL, {"page": 99})
    assert response.status_code == 404 and error_code(response) == "not_found"
    assert alice.get(URL, {"page": 1}).json()["count"] == 1


def test_the_schema_documents_the_page_minimum_and_both_answers(client):
    operation = yaml.safe_load(client.get("/api/schema/").content)["paths"][URL]["get"]
    page = next(p for p in operation["parameters"] if p["name"] == "page")
    assert page["schema"] == {"type": "integer", "minimum": 1}
    assert {"400", "404"} <= operation["responses"].keys()
