"""Upload → worker → result page → crop, heatmap, video → report → purge → delete, once with media on
the local disk and once in a real S3 bucket (SeaweedFS). On S3, MEDIA_ROOT is a place where nothing can
be written and the worker's temporary folder is its own: nothing reads or writes media by a local path
but the worker's private copy, which is gone afterwards."""

import os
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from detector import retention
from detector.models import Analysis
from tests.fixtures import start_worker, stop_worker, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(media_storage, transactional_db, worker_queue, settings, tmp_path):
    """A real worker started after the storage is chosen (it reads it from its environment), with a
    temporary folder of its own."""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: the end-to-end tests need a real Redis (run `make test`).")
    (tmp_path / "worker-tmp").mkdir()
    proc = start_worker(settings, worker_queue, redis_url, env={"TMPDIR": str(tmp_path / "worker-tmp")})
    yield proc
    stop_worker(proc)


def stored(names):
    return {name: default_storage.exists(name) for name in names}


def test_an_upload_goes_from_the_page_to_a_verdict_a_report_and_a_purge(
        media_storage, worker, client, user, other_user, active_model, clips, s3_server, tmp_path):
    client.force_login(user)
    with open(clips["face"], "rb") as handle:
        response = client.post("/", {"video": handle, "frames": 10})
    assert response.status_code == 302, response.content
    analysis = Analysis.objects.get(video__owner=user)
    wait_for(lambda: Analysis.objects.get(pk=analysis.pk).is_finished, timeout=180)
    analysis.refresh_from_db()
    assert analysis.status == "done", analysis.error_message
    page = client.get(response.url)
    assert page.status_code == 200 and analysis.video.original_name in page.content.decode()

    frames = list(analysis.frames.all())
    assert len(frames) >= 8 and any(f.heatmap for f in frames)
    crop = client.get(f"/media/crops/{frames[0].pk}.jpg")
    assert crop.status_code == 200 and b"".join(crop.streaming_content)[:2] == b"\xff\xd8"
    mapped = next(f for f in frames if f.heatmap)
    heatmap = client.get(f"/media/heatmaps/{mapped.pk}.jpg")
    assert heatmap.status_code == 200 and b"".join(heatmap.streaming_content)[:2] == b"\xff\xd8"

    original = Path(clips["face"]).read_bytes()
    video_url = f"/media/videos/{analysis.video.pk}"
    whole = client.get(video_url)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == original
    part = client.get(video_url, HTTP_RANGE="bytes=100-299")
    assert part.status_code == 206 and part.content == original[100:300]
    assert part["Content-Range"] == f"bytes 100-299/{len(original)}"
    client.force_login(other_user)
    assert client.get(video_url).status_code == 404
    assert client.get(f"/media/crops/{frames[0].pk}.jpg").status_code == 404
    client.force_login(user)

    report = client.get(f"/analyses/{analysis.pk}/report.pdf")
    assert report.status_code == 200 and report.content[:4] == b"%PDF"
    assert client.get(f"/analyses/{analysis.pk}/report.json").json()["result"]["verdict"] == analysis.verdict

    video_name = analysis.video.file.name
    frame_names = [file.name for frame in frames for file in frame.files()]
    assert all(stored([video_name, *frame_names]).values())
    if media_storage:  # everything is in the bucket, and only there
        assert set(s3_server.keys(media_storage)) == {video_name, *frame_names}
        assert not Path("/dev/null/media").exists()
    assert os.listdir(tmp_path / "worker-tmp") == []  # the worker's copy of the upload is gone

    assert retention.purge_videos(0) == (1, analysis.video.size_bytes)
    assert stored([video_name]) == {video_name: False} and all(stored(frame_names).values())
    assert client.get(video_url).status_code == 404
    assert client.post(f"/analyses/{analysis.pk}/delete/").status_code == 302
    assert not any(stored(frame_names).values())
    if media_storage:
        assert s3_server.keys(media_storage) == []
