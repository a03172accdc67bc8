"""Copy the media on the local disk (MEDIA_ROOT, or --source) into the configured media storage, under
the same names, so the rows that point at them keep working once DEEPTRACE_STORAGE=s3.

Idempotent and resumable: a file already in the storage at the same size is skipped, so an interrupted
run is simply run again (an S3 PUT is atomic: an object is there whole or not at all). Nothing is
deleted on either side.
"""

from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError


def local_files(root):
    """(storage name, path) of every file under `root`, in a stable order."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        yield path.relative_to(root).as_posix(), path


def copy_one(storage, name, path):
    """Store `path` as `name`; 'copied' or 'skipped' (already there at its size)."""
    size = path.stat().st_size
    if storage.exists(name):
        if storage.size(name) == size:
            return "skipped"
        storage.delete(name)  # a different file under this name: ours replaces it
    with open(path, "rb") as handle:
        saved = storage.save(name, File(handle, name=name))
    if saved != name:
        raise CommandError(f"The storage stored {name} as {saved}.")
    return "copied"


class Command(BaseCommand):
    help = "Copy local media (MEDIA_ROOT) into the configured media storage (S3); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--source", help="The local media folder (default: MEDIA_ROOT).")

    def handle(self, *args, source=None, **options):
        root = Path(source or settings.MEDIA_ROOT)
        if not root.is_dir():
            raise CommandError(f"{root} is not a folder.")
        if getattr(default_storage, "location", None) and Path(default_storage.location).resolve() == root.resolve():
            raise CommandError("The media storage is this same folder: set DEEPTRACE_STORAGE=s3 first.")
        counts = {"copied": 0, "skipped": 0}
        for name, path in local_files(root):
            outcome = copy_one(default_storage, name, path)
            counts[outcome] += 1
            self.stdout.write(f"{outcome} {name}", style_func=None)
        self.stdout.write(f"Copied {counts['copied']} files, skipped {counts['skipped']} already stored.")
