"""A copy-protected (EME) video: the extension says so instead of recording a black picture silently."""

import pytest
from playwright.sync_api import expect

from detector.models import Video

from .conftest import start_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRM = ("This video is copy-protected (DRM), so the browser does not let extensions read it. Recording "
       "the visible tab usually gives a black picture for such videos, but you can try.")

# Clear Key is the EME key system every Chromium ships; attaching MediaKeys is what a DRM player does.
ATTACH_MEDIA_KEYS = """async () => {
  const config = [{initDataTypes: ['webm'], videoCapabilities: [{contentType: 'video/webm; codecs="vp8"'}]}];
  const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', config);
  await document.querySelector('video').setMediaKeys(await access.createMediaKeys());
}"""


def test_it_says_the_video_is_copy_protected(browser, site, live_server, user):
    from accounts.models import ApiToken

    _, raw = ApiToken.issue(user, "extension")
    browser.configure(live_server.url, raw)
    page = browser.open(site.page("protected.html", "face.webm"))
    page.evaluate(ATTACH_MEDIA_KEYS)
    popup = start_check(browser, page)
    expect(popup.locator("#videos li").first).to_contain_text("Copy-protected (DRM)")
    expect(popup.locator("#job-message")).to_have_text(DRM)
    expect(popup.get_by_role("button", name="Record the visible tab instead")).to_be_visible()
    assert not Video.objects.exists()
