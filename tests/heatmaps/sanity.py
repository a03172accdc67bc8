"""Shared by the two sanity checks (Adebayo et al., 2018): the published model, and maps of a list of
crops scored as one track, each crop's map for its own step."""

from pathlib import Path

import numpy as np
import pytest

PUBLISHED = Path(__file__).resolve().parents[2].parent / "shared/models/lite0-112-ffpp-20261205/model.pt"


def published_detector():
    if not PUBLISHED.is_file():
        pytest.skip(f"The published trained model is not here ({PUBLISHED}); these checks need a model that detects.")
    from ml.model.checkpoint import load_detector

    return load_detector(PUBLISHED, device="cpu")


def track_maps(detector, crops: list[np.ndarray]) -> np.ndarray:
    """(len(crops), h, w) Grad-CAM maps, the crops scored as one track."""
    from ml.media.faces import Face, Track
    from ml.serving import heatmaps, scoring

    track = Track(0, [Face(i, i, i * 0.1, (0, 0, 1, 1), 1.0, c) for i, c in enumerate(crops)])
    encoded = scoring.encode_tracks([track], detector)
    scored = scoring.classify_tracks([encoded], detector)[0]
    return heatmaps.cams(detector, scored, encoded, [(0, i) for i in range(len(crops))]).numpy()
