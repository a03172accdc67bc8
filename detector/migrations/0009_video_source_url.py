"""A video may come from a link the worker downloads (detector/link_videos.py): its address is kept, and
until the download its file and SHA-256 are empty, so those rows stay out of the once-per-owner rule."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("detector", "0008_frameresult_heatmap"),
    ]

    operations = [
        migrations.AddField(
            model_name="video",
            name="source_url",
            field=models.URLField(blank=True, max_length=2000),
        ),
        migrations.RemoveConstraint(model_name="video", name="video_once_per_owner"),
        migrations.AddConstraint(
            model_name="video",
            constraint=models.UniqueConstraint(condition=models.Q(("sha256", ""), _negated=True),
                                               fields=("owner", "sha256"), name="video_once_per_owner"),
        ),
    ]
