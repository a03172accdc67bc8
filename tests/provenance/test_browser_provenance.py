"""The provenance section in headless Chromium at a laptop's 1280x800 and a phone's 390x844: each
status reads in words, nothing overflows sideways, and a screenshot of each is saved in screens/provenance
(git-ignored) for a human look."""


import pytest

from tests.browser import browser_page
from tests.fixtures import REPO, make_model, token_client
from tests.provenance.helpers import patch_model, upload_and_analyse
from tests.web.browser_helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = REPO / "screens" / "provenance"
SIZES = {"laptop": (1280, 800), "phone": (390, 844)}
HEADLINES = {"edited": "Valid", "tampered": "Tampered: changed after signing",
             "untrusted": "Signed by an untrusted signer", "unsigned": "No credentials"}


@pytest.mark.parametrize("size", SIZES)
def test_each_status_reads_plainly_and_fits(live_server, client, user, signed_clips, trusted, monkeypatch, size):
    make_model(active=True)
    patch_model(monkeypatch)
    api = token_client(user)
    analyses = {name: upload_and_analyse(api, signed_clips[name]) for name in HEADLINES}
    SCREENS.mkdir(parents=True, exist_ok=True)
    width, height = SIZES[size]
    with browser_page(viewport={"width": width, "height": height}) as page:
        log_in(page, live_server, client, user)
        for name, analysis in analyses.items():
            page.goto(f"{live_server.url}/analyses/{analysis.pk}/")
            section = page.locator("section", has=page.locator("#provenance"))
            section.scroll_into_view_if_needed()
            assert page.locator(".credentials-status").inner_text().strip() == HEADLINES[name]
            section.screenshot(path=str(SCREENS / f"{name}-{size}.png"))
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, name
    assert sorted(p.name for p in SCREENS.glob(f"*-{size}.png")) == sorted(f"{n}-{size}.png" for n in HEADLINES)
