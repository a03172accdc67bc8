"""The OpenAPI schema generates cleanly, is served with local Swagger UI, and matches real responses."""

import copy

import jsonschema
import pytest
import yaml
from django.core.management import call_command

from tests.fixtures import make_done, make_model

pytestmark = pytest.mark.django_db


def test_the_schema_generates_and_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/analyses/{id}/" in schema["paths"] and "/api/v1/models/active/" in schema["paths"]


def test_the_schema_and_docs_are_served_without_a_cdn(client):
    assert client.get("/api/schema/").status_code == 200
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()


def _json_schema(openapi, name):
    """The named component as JSON Schema: OpenAPI 3.0's `nullable` becomes a null alternative."""
    def convert(node):
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: convert(value) for key, value in node.items()}
        if node.pop("nullable", False):
            node = {"anyOf": [node, {"type": "null"}]}
        return node

    components = convert(copy.deepcopy(openapi["components"]))
    return {"$ref": f"#/components/schemas/{name}", "components": components}


@pytest.mark.parametrize("reviewed", [False, True])
def test_a_real_detail_response_validates_against_its_schema(alice, user, staff_user, client, reviewed):
    analysis = make_done(user, model_version=make_model())
    if reviewed:
        analysis.reviews.create(reviewer=staff_user, decision="escalate")
    body = alice.get(f"/api/v1/analyses/{analysis.pk}/").json()
    openapi = yaml.safe_load(client.get("/api/schema/").content)
    jsonschema.validate(body, _json_schema(openapi, "AnalysisDetail"))
    listing = alice.get("/api/v1/analyses/").json()
    jsonschema.validate(listing, _json_schema(openapi, "PaginatedAnalysisSummaryList"))


def test_a_real_error_response_validates_against_its_schema(alice, client):
    body = alice.get("/api/v1/analyses/424242/").json()
    openapi = yaml.safe_load(client.get("/api/schema/").content)
    jsonschema.validate(body, _json_schema(openapi, "Error"))
