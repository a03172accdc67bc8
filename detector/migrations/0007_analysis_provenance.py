"""Where each analysed file came from: its Content Credentials (C2PA) and its own metadata, read by the
worker before detection (ml.media.provenance). Existing analyses have none (null): never read."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("detector", "0006_video_stored_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="analysis",
            name="provenance",
            field=models.JSONField(blank=True, default=None, null=True),
        ),
    ]
