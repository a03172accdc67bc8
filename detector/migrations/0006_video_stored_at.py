"""When each video's file was stored, for the retention period to count from (a purged video uploaded
again is kept for a full period, not purged at the next run). Existing videos were stored at upload."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F


def stored_at_upload(apps, schema_editor):
    apps.get_model("detector", "Video").objects.update(stored_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("detector", "0005_video_once_per_owner"),
    ]

    operations = [
        migrations.AddField(
            model_name="video",
            name="stored_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunPython(stored_at_upload, migrations.RunPython.noop),
    ]
