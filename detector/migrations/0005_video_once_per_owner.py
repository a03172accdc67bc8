"""One stored video per owner and content (concurrent identical uploads cannot both insert).

Duplicates stored before this constraint are merged first: their analyses move to the oldest copy and
the other copies' rows and files go.
"""

from functools import partial

from django.conf import settings
from django.db import migrations, models, transaction
from django.db.models import Count


def merge_duplicates(apps, schema_editor):
    Video = apps.get_model("detector", "Video")
    Analysis = apps.get_model("detector", "Analysis")
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        # Foreign keys are DEFERRABLE INITIALLY DEFERRED: checked now, PostgreSQL would otherwise still
        # hold their checks when AddConstraint alters the table, and refuse ("pending trigger events").
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    twins = Video.objects.values("owner", "sha256").annotate(n=Count("id")).filter(n__gt=1)
    for twin in twins:
        copies = list(Video.objects.filter(owner=twin["owner"], sha256=twin["sha256"]).order_by("created_at", "pk"))
        keep, extra = copies[0], copies[1:]
        Analysis.objects.filter(video__in=extra).update(video=keep)
        for video in extra:
            if video.file.name and video.file.name != keep.file.name:
                # Only once the rows are gone for good: a failed migration keeps rows and files.
                transaction.on_commit(partial(video.file.storage.delete, video.file.name), using=connection.alias)
            video.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('detector', '0004_job_lease_and_enqueued_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(merge_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='video',
            constraint=models.UniqueConstraint(fields=('owner', 'sha256'), name='video_once_per_owner'),
        ),
    ]
