"""An empty ?status= or ?verdict= is refused like any value outside the schema's enum."""

import pytest
import yaml

from tests.fixtures import error_code, make_done

pytestmark = pytest.mark.django_db
URL = "/api/v1/analyses/"


@pytest.mark.parametrize("name", ["status", "verdict"])
def test_it_rejects_an_empty_filter_value(alice, user, name):
    make_done(user)
    response = alice.get(URL, {name: ""})
    assert response.status_code == 400 and error_code(response) == "invalid"
    assert name in response.json()["error"]["detail"]


@pytest.mark.parametrize("name", ["status", "verdict"])
def test_the_schema_enum_leaves_out_the_empty_value(client, name):
    operation = yaml.safe_load(client.get("/api/schema/").content)["paths"][URL]["get"]
    schema = next(p for p in operation["parameters"] if p["name"] == name)["schema"]
    assert "" not in schema["enum"] and schema.get("minLength", 1) >= 1
