"""Write staff-reviewed videos as a labelled manifest for retraining (file,label,group).

The label comes from each analysis's latest decision: confirmed_fake -> fake, overturned_real -> real.
An analysis whose latest decision is "needs escalation" is left out (staff have not settled it). A video
analysed several times appears once, labelled by its most recent decision. `file` is the absolute path
of the stored video; `group` is "review-<video id>" so a split never puts one video on both sides.
"""

import csv

from django.core.management.base import BaseCommand

from detector.models import Review

LABELS = {Review.Decision.CONFIRMED_FAKE: "fake", Review.Decision.OVERTURNED_REAL: "real"}
COLUMNS = ["file", "label", "group"]


def reviewed_rows():
    """(path, label, group) per reviewed video, newest decision first."""
    seen_analyses, seen_videos = set(), set()
    reviews = Review.objects.select_related("analysis__video").order_by("-created_at", "-pk")
    for review in reviews.iterator():
        analysis = review.analysis
        if analysis.pk in seen_analyses:
            continue  # an older decision on an analysis already labelled
        seen_analyses.add(analysis.pk)
        video = analysis.video
        label = LABELS.get(review.decision)
        if label is None or video.pk in seen_videos or not video.file:
            continue
        seen_videos.add(video.pk)
        yield video.file.path, label, f"review-{video.pk}"


class Command(BaseCommand):
    help = "Export staff-reviewed decisions as a labelled manifest CSV (file,label,group) for train_model."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="Where to write the manifest CSV.")

    def handle(self, *args, output, **options):
        rows = list(reviewed_rows())
        with open(output, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(rows)
        fakes = sum(1 for row in rows if row[1] == "fake")
        self.stdout.write(f"Wrote {len(rows)} reviewed videos ({fakes} fake, {len(rows) - fakes} real) to {output}")
