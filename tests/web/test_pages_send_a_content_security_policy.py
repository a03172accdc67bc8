"""Every page carries a Content-Security-Policy: scripts only from our static files, inline styles only
with the response's nonce. (The browser tests fail on anything the policy blocks.)"""

import re

import pytest

from tests.web.helpers import make_done_analysis

pytestmark = pytest.mark.django_db


def policy_of(response):
    return response["Content-Security-Policy"]


def test_the_landing_page_allows_scripts_only_from_the_site(client):
    policy = policy_of(client.get("/"))
    assert "script-src 'self';" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_the_admin_review_pages_styles_carry_the_responses_nonce(client, user, staff_user):
    client.force_login(staff_user)
    response = client.get(f"/admin/detector/flaggedanalysis/{make_done_analysis(user).pk}/change/")
    nonce = re.search(r"'nonce-([^']+)'", policy_of(response))[1]
    page = response.content.decode()
    assert f'<style nonce="{nonce}">' in page and "<style>" not in page
    assert "css/evidence" in page  # the evidence partial's styles are a file: result.js swaps it in


def test_each_response_has_its_own_nonce(client):
    assert policy_of(client.get("/accounts/login/")) != policy_of(client.get("/accounts/login/"))


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/accounts/signup/", "/api/docs/"])
def test_no_page_has_an_inline_script(client, url):
    page = client.get(url).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def test_report_only_mode_sends_the_policy_as_a_report(client, settings):
    settings.DEEPTRACE_CSP_REPORT_ONLY = True
    response = client.get("/")
    assert "Content-Security-Policy-Report-Only" in response and "Content-Security-Policy" not in response
