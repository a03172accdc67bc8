"""Write staff-reviewed videos as a labelled manifest for retraining (file,label,group).

The label comes from each analysis's latest decision: confirmed_fake -> fake, overturned_real -> real.
An analysis whose latest decision is "needs escalation" is left out (staff have not settled it). A video
analysed several times appears once, labelled by its most recent decision. `file` is the absolute path
of the stored video; `group` is "review-<video id>" so a split never puts one video on both sides.

Media in a bucket (DEEPTRACE_STORAGE=s3) has no local path: `--copy-to DIR` fetches each video there
first (a video already there at its stored size is kept, so a second run fetches only what is new).
"""

import csv
import shutil
from pathlib import Path, PurePosixPath

from django.core.management.base import BaseCommand, CommandError

from detector import media_files
from detector.models import Review

LABELS = {Review.Decision.CONFIRMED_FAKE: "fake", Review.Decision.OVERTURNED_REAL: "real"}
COLUMNS = ["file", "label", "group"]


def reviewed_rows(copy_to=None):
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
        yield local_path(video, copy_to), label, f"review-{video.pk}"


def local_path(video, copy_to):
    """The stored video's own path on the local disk, or its copy under `copy_to`."""
    if copy_to is None:
        try:
            return video.file.path
        except NotImplementedError:
            raise CommandError("The media storage has no local paths: give --copy-to DIR.") from None
    target = Path(copy_to) / f"review-{video.pk}{PurePosixPath(video.file.name).suffix}"
    if not target.exists() or target.stat().st_size != video.file.size:
        part = target.with_name(target.name + ".part")
        with open(part, "wb") as out, media_files.open_stream(video.file) as stream:
            shutil.copyfileobj(stream, out, media_files.CHUNK)
        part.replace(target)
    return str(target.resolve())


class Command(BaseCommand):
    help = "Export staff-reviewed decisions as a labelled manifest CSV (file,label,group) for train_model."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="Where to write the manifest CSV.")
        parser.add_argument("--copy-to", help="Fetch the videos into this folder (needed with media in S3).")

    def handle(self, *args, output, copy_to=None, **options):
        if copy_to:
            Path(copy_to).mkdir(parents=True, exist_ok=True)
        rows = list(reviewed_rows(copy_to))
        with open(output, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(rows)
        fakes = sum(1 for row in rows if row[1] == "fake")
        self.stdout.write(f"Wrote {len(rows)} reviewed videos ({fakes} fake, {len(rows) - fakes} real) to {output}")
