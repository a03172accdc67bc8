"""A staff user reviews a flagged analysis in headless Chromium; the owner then sees the staff label."""

import pytest

from tests.browser import browser_page
from tests.fixtures import make_done, make_model, token_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server):  # the browser closes before the live server, so no connection outlives it
    with browser_page() as page:
        yield page


def test_staff_overturn_a_flagged_video_and_the_owner_sees_it(page, live_server, user, staff_user, client):
    analysis = make_done(user, verdict="fake", p_fake=0.96, model_version=make_model(name="v-browser"))
    page.goto(f"{live_server.url}/admin/login/?next=/admin/detector/flaggedanalysis/")
    page.fill("#id_username", "carol")
    page.fill("#id_password", "staff pass 4242")
    page.click("input[type=submit]")
    page.get_by_role("link", name="clip.mp4").click()
    assert page.locator("video").count() == 1 and page.get_by_text("v-browser").count() >= 1
    page.get_by_label("Judged real").check()
    page.fill("textarea[name=note]", "A real press interview.")
    page.click("input[value='Record decision']")
    page.get_by_text("Recorded “Judged real”").wait_for()
    assert page.locator(".review-history").inner_text().startswith("Judged real by carol")

    review = analysis.reviews.get()
    assert (review.decision, review.reviewer, review.note) == ("overturned_real", staff_user, "A real press interview.")
    detail = token_client(user).get(f"/api/v1/analyses/{analysis.pk}/").json()
    assert detail["verdict"] == "fake" and detail["review"]["label"] == "real"
    assert detail["review"]["source"] == "reviewed by staff"
    client.force_login(user)
    result_page = client.get(f"/analyses/{analysis.pk}/").content.decode()
    assert "Reviewed by staff" in result_page and "Judged real" in result_page
