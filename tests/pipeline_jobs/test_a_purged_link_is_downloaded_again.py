"""A link whose downloaded video was purged after the retention period is downloaded again when it is
submitted again, as an upload of a purged video is stored again: not queued on the file that is gone
(which failed with "The file is empty or missing", blaming the user's video)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from detector import inference, jobs, link_fetch, retention
from detector.link_videos import submit_link
from detector.models import Analysis, Video
from tests.fixtures import fake_result

pytestmark = pytest.mark.django_db(transaction=True)
URL = "https://videos.example/interview.mp4"


@pytest.fixture
def worker_offline(clips, monkeypatch):
    """The worker's download and pipeline without the network: the link serves the face clip."""
    body = clips["face"].read_bytes()

    def fetch(url, file, limits, progress):
        file.write(body)
        return link_fetch.Fetched(url=url, name="interview.mp4", size=len(body))

    monkeypatch.setattr(link_fetch, "fetch", fetch)
    monkeypatch.setattr(inference, "run_pipeline", lambda *args: fake_result(frames=2))


def test_a_purged_link_submitted_again_is_downloaded_again(user, active_model, worker_offline):
    first, _ = submit_link(user, URL, frames=10)
    jobs.run(first.pk)
    first.refresh_from_db()
    assert first.status == "done" and first.video.file
    then = timezone.now() - timedelta(days=40)
    Video.objects.filter(pk=first.video_id).update(stored_at=then)
    assert retention.purge_videos(30)[0] == 1

    again, duplicate = submit_link(user, URL, frames=10, force=True)  # the API's force=true
    assert not duplicate and again.video.awaiting_download  # the worker downloads it before anything else
    jobs.run(again.pk)
    again = Analysis.objects.get(pk=again.pk)
    assert again.status == "done", again.error_message
    # The same content: the analysis joins the purged video's row, whose file is stored again.
    assert again.video_id == first.video_id and again.video.file and again.video.stored_at > then
    assert Analysis.objects.get(pk=first.pk).verdict == "fake"  # the earlier findings stay
    assert Video.objects.filter(owner=user).count() == 1
