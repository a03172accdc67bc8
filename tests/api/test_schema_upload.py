"""The schema describes the upload as a file, so a client generated from it sends one."""

import pytest
import yaml

pytestmark = pytest.mark.django_db


def _component(openapi, ref):
    return openapi["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_the_schema_publishes_the_video_as_a_binary_upload(client):
    openapi = yaml.safe_load(client.get("/api/schema/").content)
    body = openapi["paths"]["/api/v1/analyses/"]["post"]["requestBody"]["content"]["multipart/form-data"]
    video = _component(openapi, body["schema"]["$ref"])["properties"]["video"]
    assert video == {"type": "string", "format": "binary", "description": video["description"]}
