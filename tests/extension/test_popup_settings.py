"""The popup's capture length: a choice made while the popup still reads its stored settings is kept."""

import pytest
from playwright.sync_api import expect

from .conftest import HELD_STORAGE_READ

pytestmark = pytest.mark.browser


def test_a_length_chosen_before_the_stored_settings_arrive_is_kept(browser, site):
    browser.configure("https://deeptrace.example.org", "a-token")
    page = browser.open(site.page("playing.html", "face.webm"))
    browser.click_toolbar_button(page)  # activeTab on the page, as a click gives it
    popup = browser.context.new_page()  # the popup as a page of its own, so the read can be held from the start
    popup.add_init_script(HELD_STORAGE_READ)
    popup.goto(f"chrome-extension://{browser.id}/popup.html?tab={browser.tab_id(page)}")
    popup.fill("#seconds", "5")
    popup.dispatch_event("#seconds", "change")
    expect(popup.locator("#videos-message")).to_have_text("Looking for videos…")  # still reading settings
    popup.evaluate("window.releaseStorageRead()")
    expect(popup.locator("#videos-message")).not_to_have_text("Looking for videos…")  # it read them...
    expect(popup.locator("#seconds")).to_have_value("5")  # ...and kept the length chosen meanwhile
    assert browser.worker.evaluate("chrome.storage.local.get('seconds')") == {"seconds": 5}


def test_the_stored_length_fills_the_popup(browser, site):
    browser.configure("https://deeptrace.example.org", "a-token")
    browser.worker.evaluate("chrome.storage.local.set({seconds: 7})")
    page = browser.open(site.page("playing.html", "face.webm"))
    popup = browser.popup_for(page)
    expect(popup.locator("#seconds")).to_have_value("7")
