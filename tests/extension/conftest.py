"""Headless Chromium with the built extension loaded, and two local web sites that play a face clip.

The extension asks only for activeTab, so a test does what a user does: it "clicks" the toolbar
button on the page's tab (CDP Extensions.triggerAction grants activeTab exactly as a click does),
then drives the popup, opened for that tab in a window of its own.
"""

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from extension import build as extension_build
from tests import media
from tests.browser import CHROMIUM, CHROMIUM_ARGS

CHROMIUM_FLAGS = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required",
                  # lets CDP press the extension's toolbar button (Extensions.triggerAction)
                  "--enable-unsafe-extension-debugging"]
CAPTURE_SECONDS = 3


def pytest_collection_modifyitems(items):
    if shutil.which(CHROMIUM) and shutil.which("ffmpeg"):
        return
    skip = pytest.mark.skip(reason="Needs Debian's chromium and ffmpeg (run `make browser`).")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def extension_dir(tmp_path_factory):
    unpacked, _ = extension_build.build(tmp_path_factory.mktemp("extension"))
    return unpacked


@pytest.fixture(scope="session")
def face_webm(tmp_path_factory):
    # A WebM with a duration so the page's <video loop> plays smoothly; Chromium cannot play mp4v MP4.
    return media.make_webm_clip(tmp_path_factory.mktemp("site") / "face.webm", seconds=4, headerless=False)


class Site:
    """A static web site on 127.0.0.1 or localhost: two hosts are two origins for the browser."""

    def __init__(self, root, host):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.server = http.server.ThreadingHTTPServer((host, 0), handler)
        self.base = f"http://{host}:{self.server.server_address[1]}"
        self.root = Path(root)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, name):
        return f"{self.base}/{name}"

    def page(self, name, video_src):
        (self.root / name).write_text(
            "<!doctype html><title>Clip</title><h1>A clip</h1>"
            f'<video src="{video_src}" width="640" height="480" muted autoplay loop playsinline></video>'
            '<video src="face.webm" width="160" height="120" muted></video>'
        )
        return self.url(name)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site(tmp_path_factory, face_webm):
    root = tmp_path_factory.mktemp("www")
    shutil.copy(face_webm, root / "face.webm")
    site = Site(root, "127.0.0.1")
    yield site
    site.server.shutdown()


@pytest.fixture(scope="session")
def other_site(tmp_path_factory, face_webm):
    """Another origin that serves the clip without CORS headers."""
    root = tmp_path_factory.mktemp("other")
    shutil.copy(face_webm, root / "face.webm")
    site = Site(root, "localhost")
    yield site
    site.server.shutdown()


class ExtensionBrowser:
    def __init__(self, context):
        self.context = context
        workers = context.service_workers
        self.worker = workers[0] if workers else context.wait_for_event("serviceworker", timeout=15_000)
        self.id = self.worker.url.split("/")[2]
        self.cdp = context.browser.new_browser_cdp_session()

    def configure(self, server_url, token):
        self.worker.evaluate("s => chrome.storage.local.set(s)", {"serverUrl": server_url, "token": token})

    def open(self, url):
        page = self.context.new_page()
        page.goto(url)
        return page

    def tab_id(self, page):
        return self.worker.evaluate("async url => (await chrome.tabs.query({url})).at(-1).id", page.url)

    def click_toolbar_button(self, page):
        targets = self.cdp.send("Target.getTargets", {"filter": [{"type": "tab"}]})["targetInfos"]
        target = next(t for t in targets if t["url"] == page.url)
        self.cdp.send("Extensions.triggerAction", {"id": self.id, "targetId": target["targetId"]})

    def popup_for(self, page):
        """The popup as a user gets it: toolbar button clicked on `page`, popup in its own window."""
        self.click_toolbar_button(page)
        tab_id = self.tab_id(page)
        with self.context.expect_page() as opened:
            self.worker.evaluate(
                "url => chrome.windows.create({url, type: 'popup', width: 360, height: 600})",
                f"chrome-extension://{self.id}/popup.html?tab={tab_id}",
            )
        popup = opened.value
        popup.wait_for_load_state()
        return popup

    def badge(self, page):
        return self.worker.evaluate("tabId => chrome.action.getBadgeText({tabId})", self.tab_id(page))

    def options_page(self):
        return self.open(f"chrome-extension://{self.id}/options.html")


# An init script for an extension page: its chrome.storage.local reads wait until the test calls
# window.releaseStorageRead(), so the test acts while the page still waits for its stored settings.
HELD_STORAGE_READ = """
const read = chrome.storage.local.get.bind(chrome.storage.local);
const held = new Promise((release) => { window.releaseStorageRead = release; });
chrome.storage.local.get = (...args) => held.then(() => read(...args));
"""

@pytest.fixture
def browser(tmp_path, extension_dir):
    from playwright.sync_api import sync_playwright

    flags = [*CHROMIUM_FLAGS, f"--load-extension={extension_dir}", f"--disable-extensions-except={extension_dir}"]
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=flags)
        try:
            yield ExtensionBrowser(context)
        finally:
            context.close()


def start_check(browser, page, seconds=CAPTURE_SECONDS):
    """Wait for the page's clip to play, open the popup and press "Check this video" on the largest."""
    page.wait_for_function("document.querySelector('video').currentTime > 0.2")
    popup = browser.popup_for(page)
    popup.fill("#seconds", str(seconds))
    popup.dispatch_event("#seconds", "change")
    popup.get_by_role("button", name="Check this video").first.click()
    return popup
