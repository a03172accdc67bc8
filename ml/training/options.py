"""Command-line options that training and evaluation share, defined once (the manage.py commands reuse
them through each module's `add_arguments`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ml.training.datasets import LAYOUTS
from ml.training.face_cache import DEFAULT_CACHE_DIR
from ml.training.metrics import BOOTSTRAP


def parse(argv, description: str, add_arguments: Callable[[argparse.ArgumentParser], None]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    add_arguments(parser)
    return parser.parse_args(argv)


def add_dataset_options(p: argparse.ArgumentParser) -> None:
    """Which videos, and where their face crops are cached."""
    p.add_argument("--data", required=True, action="append", metavar="PATH[:LAYOUT]",
                   help="dataset folder or manifest CSV (see ml/training/datasets.py); repeat it to use several "
                        "datasets at once, each with its own layout after a colon (e.g. --data dfdc:dfdc)")
    p.add_argument("--format", choices=LAYOUTS, default=None,
                   help="layout of the datasets that name none; detected when omitted")
    p.add_argument("--cache-dir", default=DEFAULT_CACHE_DIR, help="face-crop cache (filled when missing)")
    p.add_argument("--workers", type=int, default=1, help="processes extracting faces for the cache")


def add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 (default: cuda when available)")
    p.add_argument("--bootstrap", type=int, default=BOOTSTRAP, help="resamples for the AUC's 95%% interval")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
