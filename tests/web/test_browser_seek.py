"""In headless Chromium: a face crop, a chart point or a timeline mark moves the player to its moment."""

import pytest

from tests import media
from tests.browser import browser_page
from tests.web.browser_helpers import TIMESTAMPS, log_in, make_playable_analysis

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server):
    with browser_page(viewport={"width": 1280, "height": 800}) as page:
        yield page


@pytest.fixture
def clip(tmp_path):
    return media.make_webm_clip(tmp_path / "clip.webm", headerless=False)


def current_time(page):
    page.wait_for_function("() => document.querySelector('#player').readyState >= 1")
    return page.evaluate("() => document.querySelector('#player').currentTime")


def test_clicking_a_crop_seeks_the_player_to_that_crops_moment(page, live_server, client, user, clip):
    analysis = make_playable_analysis(user, clip)
    log_in(page, live_server, client, user)
    page.goto(f"{live_server.url}/analyses/{analysis.pk}/")
    assert page.evaluate("() => document.querySelector('#player').paused")
    page.locator(f'.evidence-seek[data-seek="{TIMESTAMPS[2]}"]').click()  # crops come most suspicious first
    assert current_time(page) == pytest.approx(TIMESTAMPS[2], abs=0.01)


def test_a_chart_point_and_a_timeline_mark_seek_the_player_too(page, live_server, client, user, clip):
    analysis = make_playable_analysis(user, clip)
    log_in(page, live_server, client, user)
    page.goto(f"{live_server.url}/analyses/{analysis.pk}/")
    page.locator(".evidence-chart circle[data-seek]").nth(3).click()
    assert current_time(page) == pytest.approx(TIMESTAMPS[3], abs=0.01)
    marks = page.locator(".timeline-mark")
    assert marks.count() == len(TIMESTAMPS)
    assert marks.nth(1).evaluate("m => m.style.left") == f"{TIMESTAMPS[1] / 2.0 * 100:g}%"
    marks.nth(1).click()
    assert current_time(page) == pytest.approx(TIMESTAMPS[1], abs=0.01)
    classes = [marks.nth(i).get_attribute("class").split()[-1] for i in range(marks.count())]
    assert classes == ["real", "uncertain", "fake", "fake"]
