"""Every page has an icon: a link in our pages, and /favicon.ico for the admin and the API docs."""

import pytest

from tests.fixtures import REPO

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_the_icon_and_pages_link_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url == "/static/favicon.svg"
    assert (REPO / "static" / "favicon.svg").read_text().startswith("<svg")
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/").content.decode()
