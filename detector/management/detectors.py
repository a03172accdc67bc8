"""The detector a shell command analyses with: a checkpoint file, or the active model version."""

from django.core.management.base import CommandError

from detector import inference
from detector.models import ModelVersion
from ml.errors import CheckpointError


def detector_for_command(checkpoint=None):
    """(detector, threshold, uncertain band), loaded as the worker loads it (device, acceleration)."""
    if checkpoint:
        try:
            detector = inference.load_for_serving(checkpoint)
        except CheckpointError as error:
            raise CommandError(str(error)) from None
        return detector, detector.threshold, detector.uncertain_band
    version = ModelVersion.objects.active()
    if version is None:
        raise CommandError("No active model. Install one with `manage.py install_model PATH` or pass --model.")
    return (inference.detector_for(version), *version.decision_rule)
