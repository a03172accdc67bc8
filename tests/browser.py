"""Debian's Chromium for the browser tests: where it is, and the flags this machine kind needs.

Playwright cannot download its own browser here; `make browser` installs Debian's chromium. Without
the background-networking flags Chromium keeps trying to reach Google's hosts from a closed network.
"""

import contextlib
import shutil

import pytest
from django.db import connections

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def require_chromium():
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium is not installed (run `make browser`).")


@contextlib.contextmanager
def browser_page(**page_options):
    """A fresh headless browser and one page; everything is closed afterwards."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(**page_options)
            # Every page runs under the site's Content-Security-Policy; a blocked style or script fails the test.
            blocked = []
            page.on("console", lambda m: "Content Security Policy" in m.text and blocked.append(m.text))
            yield page
            assert not blocked, f"The Content-Security-Policy blocked: {blocked}"
        finally:
            # ORM calls made while Playwright's loop runs get a connection of their own (asgiref's
            # context-local connections); close it, or dropping the test database fails at the end.
            connections.close_all()
            browser.close()
