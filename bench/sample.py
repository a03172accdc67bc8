"""The shared FF++ sample the benchmarks run on (../shared/data/ffpp-sample, read in place)."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "ffpp-sample"


def sample_rows() -> list[tuple[Path, int]]:
    """(clip path, frame height) for every row of the sample's manifest, in its order."""
    with (SAMPLE / "manifest.csv").open() as f:
        return [(SAMPLE / row["file"], int(row["height"])) for row in csv.DictReader(f)]


def clips_by_height() -> dict[int, list[Path]]:
    """The sample's clips grouped by frame height, smallest height first, manifest order within."""
    groups: dict[int, list[Path]] = {}
    for path, height in sample_rows():
        groups.setdefault(height, []).append(path)
    return {height: groups[height] for height in sorted(groups)}


def mixed_clips() -> list[Path]:
    """Every clip, alternating between the sample's heights, so any prefix mixes every size."""
    return [p for group in itertools.zip_longest(*clips_by_height().values()) for p in group if p is not None]
