"""Register a checkpoint as a model version, activate it, and start the analyses waiting for one."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from detector import services
from detector.models import ModelVersion
from ml.errors import CheckpointError
from ml.weights import file_sha256, load_checkpoint, save_random_checkpoint


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
            checkpoint = load_checkpoint(checkpoint_path)
        except CheckpointError as error:
            raise CommandError(str(error)) from None
        sha256 = file_sha256(checkpoint_path)
        version = self._register(checkpoint_path, checkpoint, sha256, name or f"{checkpoint_path.stem}-{sha256[:8]}")
        self.stdout.write(f"Registered {version.name} ({version.backbone}, sha256 {sha256[:12]}…).")
        if not no_activate:
            released = activate(version)
            self.stdout.write(f"Activated {version.name}; {released} waiting analyses queued.")

    def _register(self, path, checkpoint, sha256, name):
        version, _ = ModelVersion.objects.update_or_create(
            name=name,
            defaults={
                "backbone": checkpoint["config"]["backbone"],
                "checkpoint_path": str(path),
                "checkpoint_sha256": sha256,
                "threshold": checkpoint.get("threshold", 0.5),
                "uncertain_band": checkpoint.get("uncertain_band", 0.1),
                "metrics": checkpoint.get("metrics", {}),
                "card": {"provenance": checkpoint.get("provenance", {}), **checkpoint.get("card", {})},
            },
        )
        return version


def activate(version):
    """Make `version` the only active one, then queue what was waiting. Returns how many were queued."""
    with transaction.atomic():
        ModelVersion.objects.filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
        ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
        return services.release_waiting()
