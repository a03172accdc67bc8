"""Evaluate a checkpoint on a labelled dataset (video-level): the options are ml.training.evaluate's."""

import argparse

from django.core.management.base import BaseCommand, CommandError

from ml.errors import CheckpointError
from ml.training import evaluate
from ml.training.datasets import DatasetError

from .prepare_dataset import default_cache_dir
from .train_model import ml_options


class Command(BaseCommand):
    help = ("Video-level AUC (bootstrap 95% CI over identity groups, or videos where there are fewer than 10), AP, EER, accuracy, balanced accuracy, precision, recall, F1, "
            "confusion matrix and per-method/compression breakdowns of a checkpoint on a dataset.")

    def add_arguments(self, parser):
        evaluate.add_arguments(parser)
        parser.set_defaults(cache_dir=str(default_cache_dir()))

    def handle(self, *args, **options):
        options["model"] = _checkpoint_path(options["model"])
        try:
            return_value = evaluate.from_command_line(argparse.Namespace(**ml_options(options, evaluate.add_arguments)))
        except (CheckpointError, DatasetError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"AUC {return_value['auc']:.3f} on {return_value['n']} videos.")


def _checkpoint_path(model: str) -> str:
    """A registered version's name stands for its checkpoint."""
    from detector.models import ModelVersion

    version = ModelVersion.objects.filter(name=model).first()
    return version.checkpoint_path if version else model
