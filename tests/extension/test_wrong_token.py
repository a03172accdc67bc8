"""A wrong or revoked token: nothing is stored and the user reads what to do, on the video and in the popup."""

import pytest
from playwright.sync_api import expect

from accounts.models import ApiToken
from detector.models import Video

from .conftest import start_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BAD_TOKEN = ("The server did not accept your API token. Create a new token on your DeepTrace account "
             "(API tokens, in the site's menu) and paste it in the extension's options.")


def test_it_says_the_token_was_refused(browser, site, live_server, user):
    browser.configure(live_server.url, "not-a-real-token")
    page = browser.open(site.page("playing.html", "face.webm"))
    popup = start_check(browser, page)
    expect(page.locator(".deeptrace-overlay .deeptrace-error")).to_have_text(BAD_TOKEN, timeout=30_000)
    expect(popup.locator("#job-message")).to_have_text(BAD_TOKEN)
    assert browser.badge(page) == "!"
    assert not Video.objects.exists()


def test_a_revoked_token_is_refused_the_same_way(browser, site, live_server, user):
    from django.utils import timezone

    token, raw = ApiToken.issue(user, "extension")
    token.revoked_at = timezone.now()
    token.save()
    browser.configure(live_server.url, raw)
    page = browser.open(site.page("playing.html", "face.webm"))
    start_check(browser, page)
    expect(page.locator(".deeptrace-overlay .deeptrace-error")).to_have_text(BAD_TOKEN, timeout=30_000)
    assert not Video.objects.exists()
