"""Register a checkpoint as a model version, activate it, and start the analyses waiting for one."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from detector.model_download import download_checkpoint
from detector.models import ModelVersion
from detector.registry import activate, register_checkpoint
from ml.errors import CheckpointError
from ml.training import publishing


class Command(BaseCommand):
    help = "Register a DeepTrace checkpoint (.pt) as a model version and make it the active one."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="checkpoint written by train_model, or a published model's folder")
        parser.add_argument("--published", action="store_true",
                            help="install the newest published model (DEEPTRACE_PUBLISHED_MODELS, default ../shared/models)")
        parser.add_argument("--if-none-active", action="store_true", help="do nothing when a model is active already")
        parser.add_argument("--url", help="download a published checkpoint from this http(s) URL (needs --sha256)")
        parser.add_argument("--sha256", help="refuse the checkpoint unless its SHA-256 is this")
        parser.add_argument(
            "--random",
            action="store_true",
            help="create and install an UNTRAINED model, to try the product end to end (verdicts are meaningless)",
        )
        parser.add_argument("--name", help="version name (default: file name and hash prefix)")
        parser.add_argument("--no-activate", action="store_true", help="register without activating")

    def handle(self, path=None, name=None, no_activate=False, random=False, published=False, if_none_active=False,
               sha256=None, url=None, **options):
        if if_none_active and ModelVersion.objects.active() is not None:
            self.stdout.write("A model is active already; nothing installed.")
            return
        if published and not url and settings.DEEPTRACE_MODEL_URL:
            url, sha256 = settings.DEEPTRACE_MODEL_URL, sha256 or settings.DEEPTRACE_MODEL_SHA256
        if random:
            path, name = self._random(name)
        elif url:
            path = self._download(url, sha256)
        elif published:
            path = self._newest_published()
            if path is None:
                return
        if not path:
            raise CommandError("Give a checkpoint path, --url with --sha256, --published, or --random for an untrained "
                               "model to try the product.")
        checkpoint_path, sha256, name = self._resolve(Path(path).expanduser().resolve(), sha256, name)
        try:
            version = register_checkpoint(checkpoint_path, name, expected_sha256=sha256)
        except CheckpointError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Registered {version.name} ({version.backbone}, sha256 {version.checkpoint_sha256[:12]}…).")
        if not no_activate:
            released = activate(version)
            self.stdout.write(f"Activated {version.name}; {released} waiting analyses queued.")

    def _random(self, name):
        from ml.model.checkpoint import (
            save_random_checkpoint,  # torch: only when asked for
        )

        self.stdout.write(self.style.WARNING("This model is untrained: its verdicts are meaningless."))
        return save_random_checkpoint(settings.DEEPTRACE_MODEL_DIR / "random-untrained.pt"), name or "random-untrained"

    def _download(self, url, sha256):
        self.stdout.write(f"Downloading {url} …")
        try:
            path = download_checkpoint(url, sha256, settings.DEEPTRACE_MODEL_DIR,
                                       max_bytes=settings.DEEPTRACE_MODEL_MAX_MB * 1024 * 1024)
        except CheckpointError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Downloaded and verified {path.name}.")
        return path

    def _newest_published(self):
        root = settings.DEEPTRACE_PUBLISHED_MODELS
        folder = publishing.newest(root)
        if folder is None:
            self.stdout.write(f"No published model in {root}; analyses wait until one is installed "
                              "(install_model PATH, or --random to try the product).")
        return folder

    def _resolve(self, path: Path, sha256, name):
        """A published model's folder stands for its model.pt, its digest file and its name."""
        if path.is_dir():
            sha256 = sha256 or publishing.expected_sha256(path)
            name = name or path.name
            path = path / publishing.CHECKPOINT
        if not path.is_file():
            raise CommandError(f"No checkpoint at {path}.")
        return path, sha256, name
