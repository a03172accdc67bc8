"""Migration 0005 merges a user's duplicate videos before adding the one-copy-per-owner constraint.

Regression: on PostgreSQL, moving analyses and deleting the extra rows left deferred foreign-key checks
pending, and the ALTER TABLE that adds the constraint then failed ("pending trigger events"): any
database holding a duplicate could not migrate, and the extra copies' files were already deleted."""

import pytest
from django.core.files.base import ContentFile

from tests.deploy.migrations import migrate, migrated_to

BEFORE = [("detector", "0004_job_lease_and_enqueued_at")]
AFTER = [("detector", "0005_video_once_per_owner")]


@pytest.mark.django_db(transaction=True)
def test_duplicates_are_merged_and_the_constraint_added(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with migrated_to(BEFORE) as apps:
        User = apps.get_model("auth", "User")
        Video = apps.get_model("detector", "Video")
        Analysis = apps.get_model("detector", "Analysis")
        owner = User.objects.create(username="twin-owner")
        copies = []
        for n in range(3):
            video = Video(owner=owner, original_name=f"clip{n}.mp4", sha256="a" * 64, size_bytes=3)
            video.file.save(f"clip{n}.mp4", ContentFile(b"abc"), save=True)
            copies.append(video)
            Analysis.objects.create(video=video)
        files = [tmp_path / v.file.name for v in copies]

        apps = migrate(AFTER)

        Video = apps.get_model("detector", "Video")
        Analysis = apps.get_model("detector", "Analysis")
        kept = Video.objects.get(owner__username="twin-owner")
        assert kept.pk == copies[0].pk  # the oldest copy stays
        assert Analysis.objects.filter(video=kept).count() == 3  # every analysis moved to it
        assert files[0].exists() and not files[1].exists() and not files[2].exists()
