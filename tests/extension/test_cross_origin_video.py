"""A video from another site without CORS cannot be read by the page's extension: the user is told so
plainly and offered the visible-tab recording, which then does the check."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import ApiToken
from detector.models import Analysis, Video

from .conftest import start_check

pytestmark = pytest.mark.browser

BLOCKED = ("This site does not let extensions read this video: it is served from another site without "
           "permission (CORS). DeepTrace can record the visible tab instead.")


@pytest.fixture
def cross_origin_page(browser, site, other_site, live_server, user):
    _, raw = ApiToken.issue(user, "extension")
    browser.configure(live_server.url, raw)
    return browser.open(site.page("embedded.html", other_site.url("face.webm")))


@pytest.mark.django_db(transaction=True)
def test_it_says_plainly_that_the_page_forbids_reading_the_video(browser, cross_origin_page):
    popup = start_check(browser, cross_origin_page)
    expect(popup.locator("#videos li").first).to_contain_text("From another site: may be blocked")
    expect(popup.locator("#job-message")).to_have_text(BLOCKED)
    expect(popup.get_by_role("button", name="Record the visible tab instead")).to_be_visible()
    assert browser.badge(cross_origin_page) == "!"
    assert not Video.objects.exists()  # nothing was uploaded


@pytest.mark.e2e
def test_recording_the_visible_tab_instead_checks_the_video(browser, cross_origin_page, celery_worker, active_model):
    popup = start_check(browser, cross_origin_page)
    popup.get_by_role("button", name="Record the visible tab instead").click()

    verdict = cross_origin_page.locator(".deeptrace-overlay .deeptrace-verdict")
    expect(verdict).to_have_text(re.compile("Likely real|Likely fake|Uncertain|No face found"), timeout=180_000)
    analysis = Analysis.objects.select_related("video").get()
    assert analysis.status == Analysis.Status.DONE
    # Cropped to the 640x480 video out of the 1280x720 tab.
    assert (analysis.video.width, analysis.video.height) == (640, 480)
    assert analysis.faces_found > 0
