"""Migration 0006: each existing video's file counts as stored when it was uploaded, so the retention
period of videos uploaded before it is unchanged (not restarted on the day of the upgrade)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.deploy.migrations import migrate, migrated_to

BEFORE = [("detector", "0005_video_once_per_owner")]
AFTER = [("detector", "0006_video_stored_at")]


@pytest.mark.django_db(transaction=True)
def test_existing_videos_were_stored_when_they_were_uploaded():
    with migrated_to(BEFORE) as apps:
        owner = apps.get_model("auth", "User").objects.create(username="early-owner")
        uploaded = timezone.now() - timedelta(days=45)
        apps.get_model("detector", "Video").objects.create(
            owner=owner, file="videos/old.mp4", original_name="old.mp4", sha256="b" * 64, size_bytes=3,
            created_at=uploaded)
        video = migrate(AFTER).get_model("detector", "Video").objects.get(owner__username="early-owner")
        assert video.stored_at == video.created_at == uploaded
