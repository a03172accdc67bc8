"""The API docs' endpoint table (docs/api.md) lists, for every operation, exactly the statuses the schema documents."""

import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.django_db
API_DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ROW = re.compile(r"^\| `(GET|POST|DELETE|PUT|PATCH) ([^`]+)`.*\| ([\d, ]+) \|$")


def _readme_answers():
    section = API_DOCS.read_text().split("### Endpoints (`/api/v1/`)", 1)[1].split("\n### ", 1)[0]
    rows = (ROW.match(line) for line in section.splitlines())
    return {(m[1], "/api/v1/" + m[2]): {s.strip() for s in m[3].split(",")} for m in rows if m}


def test_the_readme_lists_every_operations_statuses_as_the_schema_does(client):
    paths = yaml.safe_load(client.get("/api/schema/").content)["paths"]
    documented = {(method.upper(), path): set(operation["responses"])
                  for path, operations in paths.items() for method, operation in operations.items()}
    assert _readme_answers() == documented
