"""Model versions: register a checkpoint (with its metrics and model card) and activate one.

install_model, train_model and the admin's "Activate" action all go through here.
"""

from pathlib import Path

from django.db import transaction

from ml.errors import CheckpointError

from . import services
from .models import ModelVersion


def register_checkpoint(checkpoint_path, name=None, expected_sha256=None):
    """Create or update a ModelVersion from a checkpoint (default name: file stem and hash prefix).
    With `expected_sha256`, a file whose digest differs is refused before anything is stored.

    Raises ml.errors.CheckpointError."""
    from ml.model.checkpoint import (  # torch: only where a checkpoint is read
        file_sha256,
        load_checkpoint,
    )

    checkpoint_path = Path(checkpoint_path).resolve()
    sha256 = file_sha256(checkpoint_path)  # hashing a large file costs; do it once
    if expected_sha256 and sha256 != expected_sha256.strip().lower():
        raise CheckpointError(f"The model file {checkpoint_path} has SHA-256 {sha256}, not the expected "
                              f"{expected_sha256.strip().lower()}: it was changed or damaged; refusing to install it.")
    checkpoint = load_checkpoint(checkpoint_path)
    card = {**checkpoint.get("extra", {}).get("card", {}), "provenance": checkpoint.get("provenance", {})}
    # The card names its plots relative to the run folder; the admin serves them by absolute path.
    card["plots"] = {label: _plot_path(checkpoint_path.parent, p) for label, p in card.get("plots", {}).items()}
    version, _ = ModelVersion.objects.update_or_create(
        name=name or f"{checkpoint_path.stem}-{sha256[:8]}",
        defaults={
            "backbone": checkpoint["config"]["backbone"],
            "checkpoint_path": str(checkpoint_path),
            "checkpoint_sha256": sha256,
            "threshold": checkpoint["threshold"],
            "uncertain_band": checkpoint["uncertain_band"],
            "metrics": checkpoint.get("metrics", {}),
            "card": card,
        },
    )
    return version


def activate(version):
    """Make `version` the only active one, then queue what was waiting. Returns how many were queued."""
    with transaction.atomic():
        ModelVersion.objects.filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
        ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
        return services.release_waiting()


def _plot_path(run_dir, stored):
    path = run_dir / stored  # an absolute `stored` stays as it is
    if not path.is_file():  # a run folder moved since training
        path = run_dir / "plots" / Path(stored).name
    return str(path.resolve())
