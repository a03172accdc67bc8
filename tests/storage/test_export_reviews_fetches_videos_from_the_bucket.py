"""export_reviews writes local paths for training: with media in S3 it asks for --copy-to and fetches
each reviewed video there, once."""

import csv
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from detector.models import Review
from tests.fixtures import make_done

pytestmark = pytest.mark.django_db


def test_reviewed_videos_are_fetched_from_the_bucket_into_the_folder_given(tmp_path, user, staff_user, s3_media):
    analysis = make_done(user)
    Review.objects.create(analysis=analysis, reviewer=staff_user, decision="confirmed_fake")
    out = tmp_path / "manifest.csv"
    with pytest.raises(CommandError, match="--copy-to"):
        call_command("export_reviews", "--output", str(out))

    call_command("export_reviews", "--output", str(out), "--copy-to", str(tmp_path / "videos"))
    [row] = csv.DictReader(out.open())
    copy = Path(row["file"])
    assert copy == (tmp_path / "videos" / f"review-{analysis.video_id}.mp4").resolve()
    assert copy.read_bytes() == b"not really a video" and row["label"] == "fake"
    fetched_at = copy.stat().st_mtime_ns
    call_command("export_reviews", "--output", str(out), "--copy-to", str(tmp_path / "videos"))
    assert copy.stat().st_mtime_ns == fetched_at  # already there at its size: not fetched again
