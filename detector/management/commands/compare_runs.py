"""Compare two training runs on the videos both held out: pooled and per-method AUC, paired difference."""

import json

from django.core.management.base import BaseCommand, CommandError

from ml.training import compare


class Command(BaseCommand):
    help = ("Compare two train_model runs (folders or their oof_scores.csv / test_scores.csv) on the videos both "
            "scored: each run's AUC and B - A with a paired bootstrap 95% interval, pooled and per method.")

    def add_arguments(self, parser):
        parser.add_argument("run_a", help="the baseline run folder (e.g. var/runs/cv5-plain-s1)")
        parser.add_argument("run_b", help="the run compared with it (e.g. var/runs/cv5-sbi-s1)")
        parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
        parser.add_argument("--json", dest="as_json", action="store_true", help="print the comparison as JSON")

    def handle(self, run_a, run_b, seed=0, as_json=False, **options):
        try:
            result = compare.compare(run_a, run_b, seed=seed)
        except compare.CompareError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(result, indent=1) if as_json else compare.describe(result, run_a, run_b))

