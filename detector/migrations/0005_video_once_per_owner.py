"""One stored video per owner and content (concurrent identical uploads cannot both insert).

Duplicates stored before this constraint are merged first: their analyses move to the oldest copy and
the other copies' rows and files go.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Count


def merge_duplicates(apps, schema_editor):
    Video = apps.get_model("detector", "Video")
    Analysis = apps.get_model("detector", "Analysis")
    twins = Video.objects.values("owner", "sha256").annotate(n=Count("id")).filter(n__gt=1)
    for twin in twins:
        copies = list(Video.objects.filter(owner=twin["owner"], sha256=twin["sha256"]).order_by("created_at", "pk"))
        keep, extra = copies[0], copies[1:]
        Analysis.objects.filter(video__in=extra).update(video=keep)
        for video in extra:
            if video.file.name and video.file.name != keep.file.name:
                video.file.delete(save=False)
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
