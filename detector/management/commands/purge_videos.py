"""Delete stored video files older than the retention period; analyses, verdicts and crops stay.

    manage.py purge_videos [--older-than-days N]   (default: DEEPTRACE_VIDEO_RETENTION_DAYS)

Celery beat runs the same purge every DEEPTRACE_PURGE_INTERVAL_S (detector.tasks.purge_videos); this
command runs it by hand, with another period if asked. The period counts from when the file was
stored (`Video.stored_at`). A video whose analysis is queued or running is kept until it finishes.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from detector import retention


class Command(BaseCommand):
    help = "Delete stored video files older than N days (default DEEPTRACE_VIDEO_RETENTION_DAYS); keep analyses."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=None,
                            help=f"default: DEEPTRACE_VIDEO_RETENTION_DAYS ({settings.DEEPTRACE_VIDEO_RETENTION_DAYS})")

    def handle(self, *args, older_than_days=None, **options):
        days = settings.DEEPTRACE_VIDEO_RETENTION_DAYS if older_than_days is None else older_than_days
        if days < 0:
            raise CommandError("--older-than-days must be 0 or more.")
        count, size = retention.purge_videos(days)
        self.stdout.write(f"Deleted {count} video file(s) older than {days} days ({size / 1e6:.1f} MB); "
                          "analyses, verdicts and face crops are kept.")
