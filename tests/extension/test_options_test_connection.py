"""Options page: "Test connection" tells a working token from a bad one and a server that is down."""

import socket

import pytest
from playwright.sync_api import expect

from accounts.models import ApiToken

from .conftest import HELD_STORAGE_READ

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _test_connection(browser, server_url, token):
    page = browser.options_page()
    page.fill("#server", server_url)
    page.fill("#token", token)
    page.get_by_role("button", name="Test connection").click()
    return page


def test_it_confirms_a_working_server_and_token(browser, live_server, user):
    token, raw = ApiToken.issue(user, "extension")
    page = _test_connection(browser, live_server.url, raw)
    expect(page.locator("#result")).to_have_text(f"Connected to {live_server.url}. The token works.")
    token.refresh_from_db()
    assert token.last_used_at is not None  # the request really reached the API with the token


def test_what_the_user_typed_survives_a_slow_read_of_the_stored_settings(browser, live_server, user):
    browser.configure("https://old.example.org", "old-token")
    _, raw = ApiToken.issue(user, "extension")
    page = browser.context.new_page()
    page.add_init_script(HELD_STORAGE_READ)
    page.goto(f"chrome-extension://{browser.id}/options.html")
    page.fill("#server", live_server.url)
    page.fill("#token", raw)
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#result")).to_have_text(f"Connected to {live_server.url}. The token works.")
    assert page.locator("body").get_attribute("data-loaded") is None  # the read was still pending
    page.evaluate("window.releaseStorageRead()")
    expect(page.locator("body")).to_have_attribute("data-loaded", "true")  # the stored ones arrived...
    expect(page.locator("#server")).to_have_value(live_server.url)  # ...and overwrote nothing typed
    expect(page.locator("#token")).to_have_value(raw)


def test_stored_settings_fill_the_form(browser):
    browser.configure("https://deeptrace.example.org", "secret-token")
    page = browser.options_page()
    expect(page.locator("#server")).to_have_value("https://deeptrace.example.org")
    expect(page.locator("#token")).to_have_value("secret-token")


def test_it_says_the_token_is_bad(browser, live_server, user):
    ApiToken.issue(user, "extension")
    page = _test_connection(browser, live_server.url, "not-a-token")
    expect(page.locator("#result")).to_contain_text("The server did not accept your API token.")
    expect(page.locator("#result")).to_have_attribute("data-ok", "false")


def test_it_says_the_server_cannot_be_reached(browser):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    page = _test_connection(browser, f"http://127.0.0.1:{port}", "any-token")
    expect(page.locator("#result")).to_have_text(
        f"Cannot reach the DeepTrace server at http://127.0.0.1:{port}. Check the address in the "
        "extension's options and that the server is running.")


def test_save_keeps_the_settings_in_extension_storage(browser):
    page = browser.options_page()
    page.fill("#server", "https://deeptrace.example.org/")
    page.fill("#token", "secret-token")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#result")).to_have_text("Saved.")
    stored = browser.worker.evaluate("chrome.storage.local.get(['serverUrl', 'token'])")
    assert stored == {"serverUrl": "https://deeptrace.example.org", "token": "secret-token"}
