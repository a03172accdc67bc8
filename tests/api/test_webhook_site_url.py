"""SITE_URL makes every URL in a webhook body absolute (the worker has no request to build them from)."""

import json

import pytest

from detector import webhooks
from tests.fixtures import make_done

pytestmark = pytest.mark.django_db


def _urls(body):
    """Every URL-like string in the body: the fields named url, *_url or result_page."""
    yield body["url"]
    yield body["result_page"]
    yield from (frame["crop_url"] for frame in body["frames"])


def test_a_webhook_body_carries_absolute_urls_under_the_site_url(user, settings):
    settings.SITE_URL = "https://deeptrace.example"
    analysis = make_done(user, frames=2)
    body = json.loads(webhooks.payload(analysis))
    assert body["url"] == f"https://deeptrace.example/api/v1/analyses/{analysis.pk}/"
    assert body["result_page"] == f"https://deeptrace.example/analyses/{analysis.pk}/"
    assert all(url.startswith("https://deeptrace.example/") for url in _urls(body))
    assert len(list(_urls(body))) == 2 + analysis.frames.count()


def test_without_a_site_url_the_webhook_urls_stay_site_relative(user, settings):
    settings.SITE_URL = ""
    body = json.loads(webhooks.payload(make_done(user, frames=1)))
    assert all(url.startswith("/") for url in _urls(body))


def test_an_api_answer_still_uses_the_host_the_client_called(alice, user, settings):
    settings.SITE_URL = "https://deeptrace.example"
    analysis = make_done(user, frames=1)
    body = alice.get(f"/api/v1/analyses/{analysis.pk}/").json()
    assert body["url"] == f"http://testserver/api/v1/analyses/{analysis.pk}/"
