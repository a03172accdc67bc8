from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("detector", "0009_video_source_url"),
    ]

    operations = [
        migrations.AddField(
            model_name="analysis",
            name="expected_seconds",
            field=models.FloatField(blank=True, null=True),
        ),
    ]
