"""Heatmaps read the feature maps scoring's own backbone pass kept (EncodedTrack.maps) instead of running
the backbone again: the same features, the same maps and the same heatmaps as the recompute path, within
float rounding, directly and through the shared micro-batched encoder."""

import cv2
import numpy as np
import pytest
import torch

from ml.media.faces import Face, Track
from ml.model.backbones import feature_map
from ml.model.checkpoint import random_detector
from ml.model.network import ModelConfig
from ml.serving import heatmaps, scoring
from ml.serving.microbatch import BatchedEncoder
from tests.media import _portrait


@pytest.fixture(scope="module", params=["efficientnet_lite0", "resnext50_32x4d"])
def detector(request):
    return random_detector(ModelConfig(backbone=request.param, lstm_hidden=64))


def tracks(lengths=(23, 6)):
    face = cv2.cvtColor(_portrait(), cv2.COLOR_BGR2RGB)
    return [Track(t, [Face(i, i, i * 0.1, (0, 0, 1, 1), 1.0, np.roll(face[40:260, 40:260], 3 * i + t, axis=0))
                      for i in range(n)]) for t, n in enumerate(lengths)]


def close_maps(a, b):
    """The largest difference, relative to each map's peak."""
    peak = b.flatten(1).abs().amax(1).clamp_min(1e-12)[:, None, None]
    return float(((a - b).abs() / peak).max())


def test_encoding_with_maps_gives_the_same_features_and_the_backbones_maps(detector):
    x = torch.rand(5, 3, 112, 112)
    features, maps = scoring.encode_crops(detector, x, batch=2, maps=True)
    assert torch.allclose(features, scoring.encode_crops(detector, x), atol=1e-6)
    with torch.inference_mode():
        exact = feature_map(detector.model.backbone, x)
    assert maps.dtype == torch.float32 and maps.shape == exact.shape
    assert torch.allclose(maps, exact, rtol=1e-4, atol=1e-4)  # batches of 2 against one of 5


def test_heatmaps_from_kept_maps_are_those_the_backbone_gives_again(detector):
    found = tracks()
    kept = scoring.encode_tracks(found, detector, keep_maps=True)
    again = scoring.encode_tracks(found, detector)
    assert all(e.maps is not None for e in kept) and all(e.maps is None for e in again)
    scored = scoring.classify_tracks([kept], detector)[0]
    assert [p for s in scored for p in s.step_probabilities] == pytest.approx(
        [p for s in scoring.classify_tracks([again], detector)[0] for p in s.step_probabilities], abs=1e-6)
    chosen = heatmaps.choose(scored, 8)
    from_kept = heatmaps.cams(detector, scored, kept, chosen)
    recomputed = heatmaps.cams(detector, scored, again, chosen)
    assert from_kept.shape == recomputed.shape and float(recomputed.amax()) > 0
    assert close_maps(from_kept, recomputed) < 1e-4
    mixed = [kept[0], again[1]]  # one track kept, one not: only the second's crops go through the backbone
    assert close_maps(heatmaps.cams(detector, scored, mixed, chosen), recomputed) < 1e-4
    assert heatmaps.heatmap_jpegs(scored, kept, detector, 8).keys() == set(chosen)


def test_the_micro_batched_encoder_keeps_the_same_maps(detector):
    found = tracks((9,))
    direct = scoring.encode_tracks(found, detector, keep_maps=True)[0]
    encoder = BatchedEncoder(detector, 4)
    try:
        batched = scoring.encode_tracks(found, detector, encode=encoder, keep_maps=True)[0]
        plain = scoring.encode_tracks(found, detector, encode=encoder)[0]
    finally:
        encoder.batcher.close()
    assert torch.allclose(batched.features, direct.features, atol=1e-5)
    assert torch.allclose(plain.features, direct.features, atol=1e-5) and plain.maps is None
    assert torch.allclose(batched.maps, direct.maps, rtol=1e-4, atol=1e-4)  # batches of 4 against one
