"""A file the server refuses does not look accepted: the drop zone turns to "refused", names the file,
empties itself so another pick (the same file too) starts over, and the reason stays in the banner."""

import os
from pathlib import Path

import pytest

from tests.browser import browser_page
from tests.web.browser_helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path(os.environ.get("DEEPTRACE_SCREENSHOTS", "/tmp/screens"))


def test_a_refused_file_marks_the_drop_zone_refused_and_it_can_be_picked_again(live_server, client, user, tmp_path,
                                                                               clips):
    fake = tmp_path / "notavideo.mp4"
    fake.write_text("not a video\n" * 10)
    with browser_page(viewport={"width": 390, "height": 844}) as page:
        log_in(page, live_server, client, user)
        page.goto(live_server.url + "/")
        page.set_input_files("#id_video", str(fake))
        assert "chosen" in page.get_attribute("#dropzone", "class")
        page.click("#upload-button")
        page.wait_for_selector("#dropzone.refused")
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "upload-refused-phone.png"), full_page=True)
        assert "chosen" not in page.get_attribute("#dropzone", "class")
        assert page.inner_text("#dropzone-text").startswith("notavideo.mp4 was refused.")
        assert page.inner_text("#upload-error") == ("This file is not a video we can read. Upload an MP4, MOV, "
                                                    "WebM, AVI or MKV file.")
        assert page.eval_on_selector("#id_video", "el => el.files.length") == 0

        page.set_input_files("#id_video", str(clips["face"]))
        assert "chosen" in page.get_attribute("#dropzone", "class")
        assert "refused" not in page.get_attribute("#dropzone", "class")
        assert page.inner_text("#dropzone-text").startswith("face.mp4")
        assert page.is_hidden("#upload-error")


def test_without_javascript_the_refused_page_marks_the_drop_zone_too(client, user, clips):
    client.force_login(user)
    with clips["text"].open("rb") as f:
        page = client.post("/", {"video": f, "frames": 20}).content.decode()
    assert 'class="dropzone refused"' in page and "That file was refused." in page
