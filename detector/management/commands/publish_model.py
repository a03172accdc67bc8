"""Publish a training run's model (model.pt, card, plots, sha256) into the published-models folder."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ml.training import publishing


class Command(BaseCommand):
    help = "Copy a run's model.pt, card.json and plots into DEEPTRACE_PUBLISHED_MODELS/<name> with its SHA-256."

    def add_arguments(self, parser):
        parser.add_argument("run", help="run folder written by train_model (e.g. var/release/v1)")
        parser.add_argument("--name", help="published name (default: the run folder's name)")
        parser.add_argument("--to", help="published-models folder (default: DEEPTRACE_PUBLISHED_MODELS)")

    def handle(self, run, name=None, to=None, **options):
        target_root = Path(to or settings.DEEPTRACE_PUBLISHED_MODELS)
        try:
            folder = publishing.publish(run, target_root, name or Path(run).resolve().name)
        except (FileExistsError, FileNotFoundError, PermissionError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Published {folder} (sha256 {publishing.expected_sha256(folder)[:12]}…).")
