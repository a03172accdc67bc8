"""On a phone the menu keeps to one row (the longest: a staff user's), the review queue cuts long names to
one line with the whole name as their title, and the footer of a narrow, centred page lines up with its
card (its text starts and ends where the card does), at 1280x800 and 390x844."""

import pytest

from tests.browser import browser_page
from tests.fixtures import make_done
from tests.web.browser_helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONG_NAME = "holiday-recording-from-the-family-reunion-in-the-garden-2026-final-version-2.mp4"
MENU_TOPS = "() => [...document.querySelectorAll('.nav > a, .nav button')].map(el => Math.round(el.getBoundingClientRect().top))"
EDGES = """() => { const card = document.querySelector('.card.narrow').getBoundingClientRect();
  const footer = document.querySelector('.footer'), foot = footer.getBoundingClientRect(), style = getComputedStyle(footer);
  return [card.left, card.right, foot.left + parseFloat(style.paddingLeft), foot.right - parseFloat(style.paddingRight)]
    .map(Math.round); }"""


def test_a_staff_users_menu_fits_one_row_on_a_phone(live_server, client, staff_user):
    with browser_page(viewport={"width": 390, "height": 844}) as page:
        log_in(page, live_server, client, staff_user)
        page.goto(live_server.url + "/analyses/")
        tops = page.evaluate(MENU_TOPS)
        assert len(tops) == 5 and len(set(tops)) == 1, tops
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.get_attribute(".nav button", "title") == "Signed in as carol"


def test_a_long_name_in_the_review_queue_is_one_line_on_a_phone(live_server, client, user, staff_user):
    analysis = make_done(user, verdict="fake")
    analysis.video.original_name = LONG_NAME
    analysis.video.save()
    with browser_page(viewport={"width": 390, "height": 844}) as page:
        log_in(page, live_server, client, staff_user)
        page.goto(live_server.url + "/admin/detector/flaggedanalysis/")
        name = page.locator(".video-name")
        assert name.get_attribute("title") == LONG_NAME
        line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.video-name')).lineHeight) || 20")
        assert name.bounding_box()["height"] <= line * 1.5  # one line, not a letter per line


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)])
def test_the_footer_of_a_narrow_page_lines_up_with_its_card(live_server, client, user, size):
    analysis = make_done(user)
    with browser_page(viewport={"width": size[0], "height": size[1]}) as page:
        for url in ("/accounts/login/", "/accounts/signup/"):
            page.goto(live_server.url + url)
            card_left, card_right, foot_left, foot_right = page.evaluate(EDGES)
            assert abs(card_left - foot_left) <= 1 and abs(card_right - foot_right) <= 1, (url, page.evaluate(EDGES))
        log_in(page, live_server, client, user)
        page.goto(f"{live_server.url}/analyses/{analysis.pk}/delete/")
        card_left, card_right, foot_left, foot_right = page.evaluate(EDGES)
        assert abs(card_left - foot_left) <= 1 and abs(card_right - foot_right) <= 1
