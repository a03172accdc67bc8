"""Real FaceForensics++ clips from the shared sample (never copied into the repository)."""

import csv
from pathlib import Path

import pytest

from ml.media.video import probe, sample_frames

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared/data/ffpp-sample"
pytestmark = pytest.mark.skipif(not (SAMPLE / "manifest.csv").is_file(),
                                reason=f"the FaceForensics++ sample is not at {SAMPLE}")


def _three_clips():
    with (SAMPLE / "manifest.csv").open() as f:
        rows = list(csv.DictReader(f))
    by_height = {}
    for row in rows:
        by_height.setdefault(row["height"], row)  # one clip per resolution: 480p, 720p, 1080p
    return [by_height[h] for h in sorted(by_height, key=int)][:3]


@pytest.mark.parametrize("row", _three_clips() if SAMPLE.is_dir() else [], ids=lambda r: f"{r['height']}p")
def test_faces_are_found_in_real_clips(row, face_detector):
    info = probe(SAMPLE / row["file"])
    assert (info.width, info.height) == (int(row["width"]), int(row["height"]))
    frames = list(sample_frames(SAMPLE / row["file"], 4, info=info))
    detections = face_detector.detect([rgb for _, _, rgb in frames])
    assert sum(bool(d) for d in detections) >= 3
