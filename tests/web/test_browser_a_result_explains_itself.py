"""In headless Chromium, what a person sees of issue 24 part B: the chart fills its box with enough time
labels and a threshold that stays visible, the video shows a poster frame, "Show all" opens the rest of
the crops without a script, a staff decision colours the verdict, and "Done" only ever sits beside a full
bar, after which the result swaps in."""

import os
from pathlib import Path

import pytest

from detector.models import Analysis, Review
from tests import media
from tests.browser import browser_page
from tests.web.browser_helpers import log_in, make_playable_analysis
from tests.web.helpers import make_done_analysis, make_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = Path(os.environ.get("DEEPTRACE_SCREENSHOTS", "/tmp/screens")) / "explains"


@pytest.fixture
def clip(tmp_path):
    return media.make_webm_clip(tmp_path / "clip.webm", headerless=False)


def open_result(page, live_server, client, user, analysis):
    log_in(page, live_server, client, user)
    page.goto(f"{live_server.url}/analyses/{analysis.pk}/")
    page.wait_for_load_state("load")


def test_the_chart_fills_its_box_with_time_labels_and_a_threshold_on_top(live_server, client, user, active_model):
    scores = [0.5] * 30 + [0.8] * 30  # half of them sit on the threshold
    analysis = make_done_analysis(user, active_model, scores=scores)
    with browser_page(viewport={"width": 1280, "height": 800}) as page:
        open_result(page, live_server, client, user, analysis)
        chart = page.locator(".evidence-chart").first
        chart.locator("svg").wait_for()
        box, svg = chart.bounding_box(), chart.locator("svg").bounding_box()
        assert box["width"] > 800 and svg["width"] == pytest.approx(box["width"], abs=1)
        assert chart.locator("text.chart-time").count() >= 5
        # Drawn after the line of scores, so a score sitting on the threshold does not hide it.
        order = chart.evaluate("""c => [...c.querySelector('svg').children].map(n => n.getAttribute('class') || n.tagName)""")
        assert order.index("chart-threshold") > order.index("path")
        SCREENS.mkdir(parents=True, exist_ok=True)
        chart.screenshot(path=str(SCREENS / "chart-1280.png"))


def test_the_video_shows_the_most_suspicious_crop_as_its_poster(live_server, client, user, clip, active_model):
    analysis = make_playable_analysis(user, clip, active_model)
    worst = analysis.frames.order_by("-fake_probability").first()
    with browser_page(viewport={"width": 1280, "height": 800}) as page:
        open_result(page, live_server, client, user, analysis)
        poster = page.locator("#player").get_attribute("poster")
        assert poster == f"/media/crops/{worst.pk}.jpg"
        status = page.evaluate("url => fetch(url).then(r => r.status + ' ' + r.headers.get('content-type'))", poster)
        assert status == "200 image/jpeg"


def test_show_all_opens_the_rest_of_a_faces_crops_most_suspicious_first(live_server, client, user, active_model):
    scores = [round(0.3 + 0.005 * i, 3) for i in range(40)]
    analysis = make_done_analysis(user, active_model, scores=scores)
    with browser_page(viewport={"width": 390, "height": 844}) as page:
        open_result(page, live_server, client, user, analysis)
        visible = page.locator(".evidence-crop:visible")
        assert visible.count() == 8
        assert visible.first.get_attribute("data-p") == str(max(scores))
        page.get_by_text("Show all 40 crops of face 1").click()
        assert page.locator(".evidence-crop:visible").count() == 40
        assert len(page.locator(".timeline-mark").all()) <= 30


def test_a_staff_decision_colours_the_verdict(live_server, client, user, staff_user, clip, active_model):
    analysis = make_playable_analysis(user, clip, active_model)
    Analysis.objects.filter(pk=analysis.pk).update(verdict="uncertain", fake_probability=0.5)
    make_review(analysis, staff_user, Review.Decision.CONFIRMED_FAKE)
    with browser_page(viewport={"width": 1280, "height": 800}) as page:
        open_result(page, live_server, client, user, analysis)
        verdict = page.locator(".verdict")
        colour = verdict.evaluate("v => getComputedStyle(v).borderLeftColor")
        fake = page.evaluate("() => getComputedStyle(document.body).getPropertyValue('--fake').trim()")
        assert colour == page.evaluate(f"() => {{ const s = document.createElement('i'); s.style.color = '{fake}';"
                                       " document.body.append(s); return getComputedStyle(s).color; }")
        decided = page.locator(".review-decided .verdict-value")
        assert decided.inner_text() == "Judged fake"
        assert decided.evaluate("v => getComputedStyle(v).color") == colour
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "reviewed-1280.png"))


# Records, whenever the status line changes, what it says and how full the bar is at that moment.
WATCH = """() => {
  window.seen = [];
  new MutationObserver(() => {
    const label = document.getElementById('live-status'), bar = document.getElementById('live-bar');
    if (label && bar) window.seen.push([label.textContent.trim(),
      bar.getBoundingClientRect().width / bar.parentElement.getBoundingClientRect().width]);
  }).observe(document, { subtree: true, childList: true, characterData: true });
}"""


def test_done_shows_only_beside_a_full_bar_then_the_result_swaps_in(live_server, client, user, clip, active_model):
    analysis = make_playable_analysis(user, clip, active_model)
    Analysis.objects.filter(pk=analysis.pk).update(status=Analysis.Status.RUNNING, stage="scoring", progress=72,
                                                   expected_seconds=40)
    with browser_page(viewport={"width": 1280, "height": 800}) as page:
        open_result(page, live_server, client, user, analysis)
        assert page.locator("#live-status").inner_text() == "Running: Scoring faces"
        assert page.locator("#live-eta").inner_text() == "About 11 s left"
        page.evaluate(WATCH)
        page.wait_for_timeout(1500)  # a poll or two while running
        Analysis.objects.filter(pk=analysis.pk).update(status=Analysis.Status.DONE, stage="", progress=100)
        page.locator(".verdict").wait_for(timeout=10_000)
        seen = page.evaluate("() => window.seen")
    done = [fill for label, fill in seen if label == "Done"]
    assert done and min(done) > 0.99, seen


def test_a_run_taken_over_by_another_worker_shows_its_restart(live_server, client, user, clip, active_model):
    """A worker died at 72 %; another claims the analysis and starts it over from 0 %, still running. The
    page follows the new run (it froze at the dead run's 72 % before, taking every answer for stale)."""
    analysis = make_playable_analysis(user, clip, active_model)
    Analysis.objects.filter(pk=analysis.pk).update(status=Analysis.Status.RUNNING, stage="scoring", progress=72,
                                                   attempts=1)
    with browser_page(viewport={"width": 1280, "height": 800}) as page:
        open_result(page, live_server, client, user, analysis)
        page.evaluate("() => new Promise(done => setTimeout(done, 1500))")  # a poll of the first run
        assert page.locator("#live-percent").inner_text() == "72%"
        # jobs.claim's write and, before the page polls again, the new run's first progress: the page
        # never sees "starting", only a later attempt at less than the bar shows.
        Analysis.objects.filter(pk=analysis.pk).update(stage="sampling", progress=20, attempts=2)
        page.wait_for_function("() => document.getElementById('live-percent').textContent === '20%'", timeout=10_000)
        assert "Scoring" not in page.locator("#live-status").inner_text()
