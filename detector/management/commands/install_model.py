"""Register a checkpoint as a model version, activate it, and start the analyses waiting for one."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from detector.registry import activate, register_checkpoint
from ml.errors import CheckpointError
from ml.weights import save_random_checkpoint


class Command(BaseCommand):
    help = "Register a DeepTrace checkpoint (.pt) as a model version and make it the active one."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="checkpoint written by train_model or ml.weights.save_checkpoint")
        parser.add_argument(
            "--random",
            action="store_true",
            help="create and install an UNTRAINED model, to try the product end to end (verdicts are meaningless)",
        )
        parser.add_argument("--name", help="version name (default: file name and hash prefix)")
        parser.add_argument("--no-activate", action="store_true", help="register without activating")

    def handle(self, path=None, name=None, no_activate=False, random=False, **options):
        if random:
            path = save_random_checkpoint(settings.DEEPTRACE_MODEL_DIR / "random-untrained.pt")
            name = name or "random-untrained"
            self.stdout.write(self.style.WARNING("This model is untrained: its verdicts are meaningless."))
        if not path:
            raise CommandError("Give a checkpoint path, or --random for an untrained model to try the product.")
        checkpoint_path = Path(path).expanduser().resolve()
        if not checkpoint_path.is_file():
            raise CommandError(f"No checkpoint at {checkpoint_path}.")
        try:
            version = register_checkpoint(checkpoint_path, name)
        except CheckpointError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Registered {version.name} ({version.backbone}, sha256 {version.checkpoint_sha256[:12]}…).")
        if not no_activate:
            released = activate(version)
            self.stdout.write(f"Activated {version.name}; {released} waiting analyses queued.")


