"""Every page at a laptop's 1280x800 and a phone's 390x844, in headless Chromium: nothing overflows
sideways (the admin review queue and review page included), and a screenshot of each is saved in
$DEEPTRACE_SCREENSHOTS/layouts (default /tmp/screens/layouts) for a human look."""

import os
from pathlib import Path

import pytest

from accounts.models import ApiToken
from detector.models import Analysis, Review, Video
from tests import media
from tests.browser import browser_page
from tests.fixtures import make_done, make_model
from tests.web.browser_helpers import log_in, make_playable_analysis
from tests.web.helpers import make_analysis, make_done_analysis, make_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = Path(os.environ.get("DEEPTRACE_SCREENSHOTS", "/tmp/screens")) / "layouts"
SIZES = {"laptop": (1280, 800), "phone": (390, 844)}
LONG_NAME = "holiday-recording-from-the-family-reunion-in-the-garden-2026-final-version-2.mp4"
# What overflows: the page itself, and inside it the admin's own scrolling table box.
OVERFLOW = """() => {
  const page = document.documentElement.scrollWidth - window.innerWidth;
  const boxes = [...document.querySelectorAll('.results, .table, .tokens, video, .timeline')]
    .map(el => el.scrollWidth - el.clientWidth);
  return Math.max(page, ...boxes, 0);
}"""


@pytest.fixture
def site(user, staff_user, tmp_path):
    """One of everything a page can show: a playable result, a pending one, a long name, a token, a flag."""
    model = make_model(name="resnext-ffpp-v3-with-a-long-version-name", active=True)
    done = make_playable_analysis(user, media.make_webm_clip(tmp_path / "c.webm", headerless=False), model)
    pending = make_analysis(user, status=Analysis.Status.RUNNING, stage="detecting", progress=42)
    Video.objects.filter(pk=pending.video_id).update(original_name=LONG_NAME)
    make_done(user, verdict="uncertain", p_fake=0.52, model_version=model)
    ApiToken.issue(user, "nightly scan of the uploads folder")
    flagged = make_done(user, verdict="fake", p_fake=0.97, model_version=model, frames=12)
    # Many frames (evidence behind "Show all", a thinned timeline) and a staff review that decided it.
    reviewed = make_done_analysis(user, model, scores=[round(0.3 + 0.01 * (i % 50), 2) for i in range(100)])
    make_review(reviewed, staff_user, Review.Decision.CONFIRMED_FAKE)
    link = make_analysis(user, status=Analysis.Status.RUNNING, stage="downloading", progress=4)
    Video.objects.filter(pk=link.video_id).update(file="", sha256="", source_url=f"https://example.com/{LONG_NAME}")
    return {"done": done, "pending": pending, "flagged": flagged, "reviewed": reviewed, "link": link}


def pages(site):
    user_pages = {"upload": "/", "result": f"/analyses/{site['done'].pk}/",
                  "result-pending": f"/analyses/{site['pending'].pk}/", "history": "/analyses/",
                  "result-reviewed": f"/analyses/{site['reviewed'].pk}/", "result-link": f"/analyses/{site['link'].pk}/",
                  "delete": f"/analyses/{site['done'].pk}/delete/", "tokens": "/accounts/tokens/"}
    staff_pages = {"admin": "/admin/", "review-queue": "/admin/detector/flaggedanalysis/",
                   "review-page": f"/admin/detector/flaggedanalysis/{site['flagged'].pk}/change/"}
    anonymous = {"landing": "/", "login": "/accounts/login/", "signup": "/accounts/signup/", "api-docs": "/api/docs/"}
    return anonymous, user_pages, staff_pages


@pytest.mark.parametrize("size", SIZES)
def test_no_page_overflows_sideways(live_server, client, user, staff_user, site, size):
    SCREENS.mkdir(parents=True, exist_ok=True)
    width, height = SIZES[size]
    overflows = {}
    for who, urls in zip((None, user, staff_user), pages(site)):
        with browser_page(viewport={"width": width, "height": height}) as page:
            if who:
                log_in(page, live_server, client, who)
            for name, url in urls.items():
                page.goto(live_server.url + url)
                page.wait_for_load_state("load")
                page.screenshot(path=str(SCREENS / f"{name}-{size}.png"), full_page=True)
                overflows[name] = page.evaluate(OVERFLOW)
    assert len(overflows) == 15
    too_wide = {name: px for name, px in overflows.items() if px > 0}
    assert not too_wide, f"pixels of sideways overflow at {width} px: {too_wide}"
