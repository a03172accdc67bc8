"""ml/serving/heatmaps.py on small untrained detectors: the state it rebuilds gives exactly the scores
the crops got, it picks each track's most suspicious crops, and the pipeline carries the overlays."""

import cv2
import numpy as np
import pytest
import torch

from ml.media.faces import Face, Track
from ml.model.backbones import feature_map
from ml.model.checkpoint import random_detector
from ml.model.network import ModelConfig
from ml.serving import heatmaps, scoring
from tests.media import _portrait


@pytest.fixture(scope="module")
def detector():
    return random_detector(ModelConfig(backbone="efficientnet_lite0", lstm_hidden=64))


def scored_tracks(detector, lengths=(30, 7)):
    face = cv2.cvtColor(_portrait(), cv2.COLOR_BGR2RGB)
    tracks = [Track(t, [Face(i, i, i * 0.1, (0, 0, 1, 1), 1.0, np.roll(face[40:260, 40:260], i, axis=1))
                        for i in range(n)]) for t, n in enumerate(lengths)]
    encoded = scoring.encode_tracks(tracks, detector)
    return scoring.classify_tracks([encoded], detector)[0], encoded


@pytest.mark.parametrize("backbone", ["resnext50_32x4d", "efficientnet_lite0"])
def test_the_feature_map_pools_into_the_backbones_features(backbone):
    net = random_detector(ModelConfig(backbone=backbone, lstm_hidden=8)).model.backbone
    x = torch.randn(2, 3, 112, 112)
    with torch.inference_mode():
        assert torch.allclose(feature_map(net, x).mean((2, 3)), net(x), atol=1e-5)


def test_the_rebuilt_state_gives_each_crop_exactly_its_own_score(detector):
    scored, encoded = scored_tracks(detector)  # 30 faces: interleaved sequences of the checkpoint's length
    chosen = [(t, i) for t, s in enumerate(scored) for i in range(len(s.step_probabilities))]
    x, hh, c0 = heatmaps._states_before(detector, scored, encoded, chosen)
    with torch.inference_mode():
        p = torch.softmax(detector.model._head(heatmaps._cell(detector.model.lstm, x, hh, c0)), -1)[:, 1]
    expected = [p for s in scored for p in s.step_probabilities]
    assert p.tolist() == pytest.approx(expected, abs=1e-5)


def test_it_picks_each_tracks_most_suspicious_crops_and_none_at_zero(detector):
    scored, _ = scored_tracks(detector)
    chosen = heatmaps.choose(scored, 4)
    assert [t for t, _ in chosen] == [0] * 4 + [1] * 4
    for t in (0, 1):
        probabilities = scored[t].step_probabilities
        picked = [probabilities[i] for u, i in chosen if u == t]
        assert min(picked) >= sorted(probabilities)[-4]
    assert heatmaps.choose(scored, 0) == []


def test_overlays_are_small_jpegs_of_the_crop_size_shown(detector):
    scored, encoded = scored_tracks(detector)
    jpegs = heatmaps.heatmap_jpegs(scored, encoded, detector, 3)
    assert len(jpegs) == 6
    image = cv2.imdecode(np.frombuffer(next(iter(jpegs.values())), np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (heatmaps.OVERLAY_SIDE, heatmaps.OVERLAY_SIDE, 3)
    assert all(len(j) < 12_000 for j in jpegs.values())


def test_the_pipeline_attaches_heatmaps_to_the_top_crops_only(detector, clips):
    from ml.results import AnalyzeOptions
    from ml.serving.pipeline import analyze

    result = analyze(clips["face"], detector, AnalyzeOptions(frames=10, heatmaps_top_k=3))
    with_maps = [f for f in result.frames if f.heatmap_jpeg]
    assert len(with_maps) == 3 * len(result.tracks) and "heatmaps" in result.timings
    top = sorted(result.frames, key=lambda f: -f.fake_probability)[:3]
    assert {f.frame_index for f in top} == {f.frame_index for f in with_maps}
    off = analyze(clips["face"], detector, AnalyzeOptions(frames=10, heatmaps_top_k=0))
    assert not any(f.heatmap_jpeg for f in off.frames) and "heatmaps" not in off.timings


def test_a_model_with_a_two_layer_lstm_gets_no_heatmap_rather_than_a_wrong_one():
    deeper = random_detector(ModelConfig(backbone="efficientnet_lite0", lstm_hidden=16, lstm_layers=2))
    scored, encoded = scored_tracks(deeper, lengths=(5,))
    assert heatmaps.heatmap_jpegs(scored, encoded, deeper, 3) == {}
