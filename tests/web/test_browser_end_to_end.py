"""The whole product in headless Chromium: sign up, upload the face clip, watch the verdict arrive.

Real worker, real pipeline (random-init model), real Redis and PostgreSQL. Screenshots land in
$DEEPTRACE_SCREENSHOTS (default /tmp/screens) for a human look.
"""

import os
from pathlib import Path

import pytest

from detector.models import Analysis
from tests.browser import browser_page

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENS = Path(os.environ.get("DEEPTRACE_SCREENSHOTS", "/tmp/screens"))


@pytest.fixture
def page():
    with browser_page(viewport={"width": 1100, "height": 900}) as page:
        yield page


def sign_up(page, base):
    page.goto(f"{base}/accounts/signup/")
    page.fill("#id_username", "erin")
    page.fill("#id_password1", "a long pass phrase 7")
    page.fill("#id_password2", "a long pass phrase 7")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_new_user_uploads_a_clip_and_sees_the_verdict(page, live_server, celery_worker, active_model, clips):
    SCREENS.mkdir(parents=True, exist_ok=True)
    sign_up(page, live_server.url)
    page.set_input_files("#id_video", str(clips["face"]))
    page.fill("#id_frames", "10")
    assert "face.mp4" in page.inner_text("#dropzone")
    page.screenshot(path=str(SCREENS / "upload.png"), full_page=True)
    page.click("#upload-button")

    page.wait_for_url(f"{live_server.url}/analyses/*/")
    page.screenshot(path=str(SCREENS / "pending.png"), full_page=True)
    page.wait_for_selector(".verdict-value", timeout=180_000)  # swapped in by result.js, no reload
    analysis = Analysis.objects.get()
    assert analysis.status == "done", analysis.error_message
    assert page.inner_text(".verdict-value") == analysis.get_verdict_display()
    page.wait_for_selector(".evidence-chart svg path")
    crops = page.locator(".evidence-crop img:not(.evidence-heatmap)")
    assert crops.count() == analysis.frames.count() >= 8
    assert page.evaluate("img => img.naturalWidth", crops.first.element_handle()) > 0  # crop served to its owner
    page.screenshot(path=str(SCREENS / "result.png"), full_page=True)
    page.goto(f"{live_server.url}/analyses/")
    assert "face.mp4" in page.inner_text("table")
    page.screenshot(path=str(SCREENS / "history.png"), full_page=True)
