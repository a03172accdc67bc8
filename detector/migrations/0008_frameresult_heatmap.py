"""Where the model looked: a heatmap per scored face crop (ml.serving.heatmaps), stored next to the crops.
Frames analysed before have none (blank)."""

from django.db import migrations, models

import detector.models


class Migration(migrations.Migration):
    dependencies = [
        ("detector", "0007_analysis_provenance"),
    ]

    operations = [
        migrations.AddField(
            model_name="frameresult",
            name="heatmap",
            field=models.ImageField(blank=True, max_length=255, upload_to=detector.models.heatmap_upload_path),
        ),
    ]
