"""Train a detector (ml.training.train, whose options these are) and optionally register and activate it.

    manage.py prepare_dataset --data ../shared/data/ffpp-sample --workers 2
    manage.py train_model --data ../shared/data/ffpp-sample --output var/runs/first --register
    manage.py train_model --data ../shared/data/ffpp-sample --cv 5 --output var/runs/cv5
    manage.py train_model --data ../shared/data/ffpp-sample --cv 5 --final --output var/release/v1 --activate
"""

import argparse
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from detector.registry import activate as activate_version
from detector.registry import register_checkpoint
from ml.training import train
from ml.training.datasets import DatasetError

from .prepare_dataset import default_cache_dir


class Command(BaseCommand):
    help = "Train the detector on a labelled video dataset (see docs/training.md)."

    def add_arguments(self, parser):
        train.add_arguments(parser)
        parser.set_defaults(cache_dir=str(default_cache_dir()))
        parser.add_argument("--register", action="store_true", help="register the trained model as a ModelVersion")
        parser.add_argument("--activate", action="store_true", help="register it and make it the active model")
        parser.add_argument("--name", help="model version name (default: the run folder's name)")

    def handle(self, *args, register=False, activate=False, name=None, **options):
        try:  # options that contradict each other are the user's to fix, in a sentence
            config = train.build_config(argparse.Namespace(**ml_options(options, train.add_arguments)))
        except ValueError as error:
            raise CommandError(str(error)) from None
        try:
            result = train.run(config)
        except DatasetError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(summary_line(result))
        if (register or activate) and "checkpoint" not in result:
            raise CommandError("Cross-validation alone saves no model: add --final to train one on every video.")
        if register or activate:
            version = register_checkpoint(result["checkpoint"], name or Path(result["run_dir"]).name)
            self.stdout.write(f"Registered model version {version.name}.")
            if activate:
                released = activate_version(version)
                self.stdout.write(f"Activated {version.name}; {released} waiting analyses queued.")


def summary_line(result: dict) -> str:
    if "cv" in result:
        cv = result["cv"]
        lo, hi = cv["auc_ci95"]
        return (f"Cross-validated AUC {cv['auc']:.3f} ± {cv['auc_sd'] or 0:.3f} over {len(cv['folds'])} folds "
                f"(pooled out-of-fold {cv['pooled_auc']:.3f}, 95% CI {lo:.3f}-{hi:.3f}), balanced accuracy "
                f"{cv['balanced_accuracy']:.3f} on {cv['videos']} videos. Run: {result['run_dir']}")
    test = result["test"]
    return (f"Held-out AUC {test['auc']:.3f} (95% CI {test['auc_ci95'][0]:.3f}-{test['auc_ci95'][1]:.3f}), "
            f"balanced accuracy {test['balanced_accuracy']:.3f} on {test['n']} videos. Run: {result['run_dir']}")


def ml_options(options: dict, add_arguments) -> dict:
    """Only the options the ml parser defines (Django adds verbosity, settings, ...)."""
    probe = argparse.ArgumentParser(add_help=False)
    add_arguments(probe)
    return {a.dest: options[a.dest] for a in probe._actions if a.dest in options}
