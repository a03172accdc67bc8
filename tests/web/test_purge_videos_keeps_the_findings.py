"""`manage.py purge_videos` (and Celery beat, on its interval) deletes stored video files past the
retention period and keeps analyses, verdicts and face crops; the result page says the video is gone."""

import threading
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from detector import retention, services, tasks
from detector.models import Analysis, FrameResult, Video
from tests.web.helpers import make_analysis, make_done_analysis, upload_file

pytestmark = pytest.mark.django_db


def aged(analysis, days):
    then = timezone.now() - timedelta(days=days)
    Video.objects.filter(pk=analysis.video_id).update(created_at=then, stored_at=then)
    return Path(analysis.video.file.path)


def purge(*args):
    out = StringIO()
    call_command("purge_videos", *args, stdout=out)
    return out.getvalue()


def test_old_video_files_go_and_their_verdicts_and_crops_stay(user):
    old, new = make_done_analysis(user), make_done_analysis(user)
    old_file, new_file = aged(old, 40), aged(new, 2)
    crops = [Path(f.crop.path) for f in old.frames.all()]
    assert purge("--older-than-days", "30").startswith("Deleted 1 video file(s) older than 30 days")
    assert not old_file.exists() and new_file.exists() and all(c.exists() for c in crops)
    assert Video.objects.get(pk=old.video_id).file.name == "" and Video.objects.count() == 2
    assert Analysis.objects.get(pk=old.pk).verdict == "fake" and FrameResult.objects.filter(analysis=old).count() == 3


def test_the_default_comes_from_the_retention_setting(user, settings):
    settings.DEEPTRACE_VIDEO_RETENTION_DAYS = 7
    path = aged(make_done_analysis(user), 8)
    assert "older than 7 days" in purge() and not path.exists()


def test_a_video_still_being_analysed_is_kept(user):
    path = aged(make_analysis(user, status=Analysis.Status.QUEUED), 400)
    assert purge("--older-than-days", "0").startswith("Deleted 0 video file(s)") and path.exists()


def test_the_result_page_says_the_video_is_gone_and_offers_no_retry(client, user):
    done, failed = make_done_analysis(user), make_analysis(user, status=Analysis.Status.FAILED)
    aged(done, 40), aged(failed, 40)
    purge("--older-than-days", "30")
    client.force_login(user)
    page = client.get(f"/analyses/{done.pk}/").content.decode()
    assert "The video file was deleted after the retention period" in page and "<video" not in page
    assert "Retry" not in client.get(f"/analyses/{failed.pk}/").content.decode()
    assert services.retry(Analysis.objects.get(pk=failed.pk)) is False


def test_uploading_a_purged_video_again_stores_it_again(client, user, clips):
    client.force_login(user)
    client.post("/", {"video": upload_file(clips["face"]), "frames": 20})
    analysis = Analysis.objects.get()
    Analysis.objects.update(status=Analysis.Status.DONE)  # a queued one would keep its video
    old_path = aged(analysis, 40)
    assert purge("--older-than-days", "30").startswith("Deleted 1 video file(s)") and not old_path.exists()
    again = client.post("/", {"video": upload_file(clips["face"]), "frames": 20})
    assert again.url == f"/analyses/{analysis.pk}/"
    video = Video.objects.get()
    assert video.file.name and Path(video.file.path).read_bytes() == clips["face"].read_bytes()


def test_a_purged_video_is_gone_not_an_error_for_its_owner_and_the_review_page(client, user, admin_client):
    done = make_done_analysis(user)
    aged(done, 40)
    purge("--older-than-days", "30")
    client.force_login(user)
    assert client.get(f"/media/videos/{done.video_id}").status_code == 404  # was a 500 (ValueError)
    page = admin_client.get(f"/admin/detector/flaggedanalysis/{done.pk}/change/")  # the review page
    assert page.status_code == 200 and "deleted after the retention period" in page.content.decode()


def test_a_purged_video_uploaded_again_is_kept_a_whole_period_from_then(client, user, clips):
    client.force_login(user)
    client.post("/", {"video": upload_file(clips["face"]), "frames": 20})
    Analysis.objects.update(status=Analysis.Status.DONE)
    aged(Analysis.objects.get(), 40)
    assert purge("--older-than-days", "30").startswith("Deleted 1 video file(s)")
    client.post("/", {"video": upload_file(clips["face"]), "frames": 20})  # stored again
    # Kept: before stored_at, its upload date (kept) was the clock and this run purged it again.
    assert purge("--older-than-days", "30").startswith("Deleted 0 video file(s)")
    video = Video.objects.get()
    assert video.file.name and Path(video.file.path).exists()
    assert (timezone.now() - video.created_at).days == 40 and (timezone.now() - video.stored_at).days == 0


def test_celery_beat_runs_the_purge_with_the_retention_setting(user, settings):
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "detector.tasks.purge_videos")
    assert entry["schedule"] == settings.DEEPTRACE_PURGE_INTERVAL_S == 3600
    assert settings.CELERY_TASK_ROUTES["detector.tasks.purge_videos"] == {"queue": "default"}
    settings.DEEPTRACE_VIDEO_RETENTION_DAYS = 7
    old, new = aged(make_done_analysis(user), 8), aged(make_done_analysis(user), 6)
    assert tasks.purge_videos.apply().get() == 1  # the task as the worker runs it
    assert not old.exists() and new.exists()


@pytest.mark.django_db(transaction=True)
def test_a_rerun_queued_while_the_purge_runs_keeps_its_video(user):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (make test)")
    done = make_done_analysis(user)
    path = aged(done, 40)
    locked, release, purged = threading.Event(), threading.Event(), []

    def rerun():  # as services.submit and retry do: the video's row locked, an analysis queued, commit
        with transaction.atomic():
            list(Video.objects.select_for_update().filter(pk=done.video_id))
            Analysis.objects.create(video_id=done.video_id, frames_requested=20, status=Analysis.Status.QUEUED)
            locked.set()
            release.wait(10)
        connection.close()

    purge_pid, purge_started = [], threading.Event()

    def purge_in_thread():
        purge_pid.append(backend_pid())
        purge_started.set()
        purged.append(retention.purge_videos(30))
        connection.close()

    threads = [threading.Thread(target=rerun), threading.Thread(target=purge_in_thread)]
    threads[0].start()
    assert locked.wait(10)
    threads[1].start()
    assert purge_started.wait(10)
    wait_until_waiting_for_a_lock(purge_pid[0])  # it listed the video (the re-run not committed) and waits
    release.set()
    for thread in threads:
        thread.join(20)
    # Kept: before the re-check under the lock, the purge's update waited for the row, then emptied it
    # under the queued re-run.
    assert purged == [(0, 0)] and path.exists() and Video.objects.get(pk=done.video_id).file.name


def backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def wait_until_waiting_for_a_lock(pid, timeout_s=20):
    """Until PostgreSQL session `pid` waits for a lock another session holds."""
    deadline = time.monotonic() + timeout_s
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError(f"session {pid} never waited for a lock")


def purging_in_the_background(video_pk, hold_s):
    """The real purge of one video, in a transaction that keeps its row lock `hold_s` longer before
    committing; (thread, [what purge_one returned])."""
    locked, purged = threading.Event(), []

    def run():
        with transaction.atomic():
            purged.append(retention.purge_one(video_pk, 30))
            locked.set()
            time.sleep(hold_s)
        connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert locked.wait(10)
    return thread, purged


@pytest.mark.django_db(transaction=True)
def test_an_upload_of_a_video_being_purged_waits_for_the_purge_and_stores_it_again(client, user, clips):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (make test)")
    client.force_login(user)
    client.post("/", {"video": upload_file(clips["face"]), "frames": 20})
    Analysis.objects.update(status=Analysis.Status.DONE)
    aged(Analysis.objects.get(), 40)
    thread, purged = purging_in_the_background(Video.objects.get().pk, 1.5)
    client.post("/", {"video": upload_file(clips["face"]), "frames": 20})
    thread.join(20)
    video = Video.objects.get()
    assert purged[0] is not None  # the purge did delete the old file
    # Without the lock the upload saw the file still there, and the purge then left it pointing nowhere.
    assert video.file.name and Path(video.file.path).read_bytes() == clips["face"].read_bytes()


@pytest.mark.django_db(transaction=True)
def test_a_retry_of_a_video_being_purged_waits_for_the_purge_and_is_refused(user):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (make test)")
    failed = make_analysis(user, status=Analysis.Status.FAILED)
    path = aged(failed, 40)
    thread, purged = purging_in_the_background(failed.video_id, 1.5)
    # Without the lock it was queued again, on the file being deleted.
    assert services.retry(Analysis.objects.get(pk=failed.pk)) is False
    thread.join(20)
    assert purged[0] is not None and not path.exists()
    assert Analysis.objects.get(pk=failed.pk).status == Analysis.Status.FAILED


def test_an_upload_that_fails_to_queue_leaves_no_stray_copy_of_the_file(user, clips, monkeypatch, settings):
    from detector import uploads

    done = make_done_analysis(user)
    aged(done, 40)
    purge("--older-than-days", "30")
    media = Path(settings.MEDIA_ROOT) / "videos"
    files_before = sorted(media.rglob("*"))
    upload = upload_file(clips["face"])
    checked = uploads.check_upload(upload)
    Video.objects.filter(pk=done.video_id).update(sha256=checked.sha256)  # the same content, purged

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "start_analysis", broken)
    with pytest.raises(RuntimeError):
        services.submit(user, upload, checked, 20, force=True)
    assert sorted(media.rglob("*")) == files_before  # the stored copy went with the rolled-back row
    assert Video.objects.get(pk=done.video_id).is_purged
