"""In headless Chromium, the real thing: upload the face clip on the page, a real worker analyses it
(random model, heatmaps on by default), and the result shows where the model looked: the most
suspicious face beside the verdict, a toggle over the crops, and heatmaps that seek the player.
Screenshots at 1280x800 and 390x844 land in screens/ (git-ignored) for a human look."""

from pathlib import Path

import pytest

from detector.models import Analysis
from tests import media
from tests.browser import browser_page
from tests.web.browser_helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENS = Path(__file__).resolve().parents[2] / "screens"


def upload(page, live_server, clip):
    page.goto(f"{live_server.url}/")
    page.set_input_files("#id_video", str(clip))
    page.fill("#id_frames", "10")
    page.click("#upload-button")
    page.wait_for_url(f"{live_server.url}/analyses/*/")
    page.wait_for_selector(".verdict-value", timeout=180_000)


def test_heatmaps_appear_toggle_and_seek_the_player(live_server, client, user, celery_worker, active_model, tmp_path):
    SCREENS.mkdir(exist_ok=True)
    clip = media.make_webm_clip(tmp_path / "interview.webm", headerless=False)  # Chromium plays VP8
    with browser_page(viewport={"width": 1280, "height": 800}) as page:
        log_in(page, live_server, client, user)
        upload(page, live_server, clip)
        analysis = Analysis.objects.get()
        maps = analysis.frames.exclude(heatmap="")
        assert analysis.status == "done" and 0 < maps.count() <= 8
        spotlight = page.locator(".spotlight-heatmap")
        assert spotlight.count() == 1 and spotlight.evaluate("img => img.complete && img.naturalWidth") > 0
        heatmaps = page.locator(".evidence-heatmap")
        assert heatmaps.count() == maps.count() and not heatmaps.first.is_visible()
        page.screenshot(path=str(SCREENS / "heatmaps-off-1280.png"), full_page=True)
        page.get_by_label("Show where the model looked").check()
        assert heatmaps.first.is_visible()
        page.screenshot(path=str(SCREENS / "heatmaps-on-1280.png"), full_page=True)
        last = maps.order_by("-track", "-frame_index").first()
        # Crops come most suspicious first: find the last frame's by its moment.
        page.locator(f'.evidence-seek[data-seek="{last.timestamp_s!r}"] .evidence-heatmap').click()
        page.wait_for_function("() => document.querySelector('#player').readyState >= 1")
        assert page.evaluate("() => document.querySelector('#player').currentTime") == pytest.approx(
            last.timestamp_s, abs=0.05)
    with browser_page(viewport={"width": 390, "height": 844}) as page:
        log_in(page, live_server, client, user)
        page.goto(f"{live_server.url}/analyses/{analysis.pk}/")
        page.get_by_label("Show where the model looked").check()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(SCREENS / "heatmaps-on-390.png"), full_page=True)
