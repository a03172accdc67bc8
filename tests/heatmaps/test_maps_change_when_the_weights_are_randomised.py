"""Sanity check 1 (Adebayo et al., 2018, cascading randomisation): the trained model's heatmaps must
change when its top layers are re-initialised one after another, head first; a map that stayed the
same would show the input (edges, a face-shaped blob), not what the model learned. Rank correlation
(Spearman) between the maps before and after each step, as in the paper."""

import copy
import warnings

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from tests.heatmaps.blending import astronaut_faces, elliptical_mask, self_blend
from tests.heatmaps.sanity import published_detector, track_maps

# Top down: the classifier, the LSTM, then the backbone's head conv and its last two stages.
CASCADE = [("classifier", lambda m: m.fc), ("LSTM", lambda m: m.lstm),
           ("head conv", lambda m: torch.nn.ModuleList([m.backbone.conv_head, m.backbone.bn2])),
           ("last stage", lambda m: m.backbone.blocks[-1]), ("stage before", lambda m: m.backbone.blocks[-2])]


@pytest.fixture(scope="module")
def detector():
    return published_detector()


@pytest.fixture(scope="module")
def faces(detector):
    from ml.model.presets import face_settings_of

    rng = np.random.default_rng(0)
    crops = astronaut_faces(face_settings_of(detector.preprocessing), 8)
    return [self_blend(c, elliptical_mask(c.shape[0], rng), rng) for c in crops]


def rank_correlation(a, b):
    """Mean Spearman correlation of paired maps; a map that became constant (all zero) counts as 0."""
    with warnings.catch_warnings():  # scipy warns about the constant maps counted as 0 here
        warnings.simplefilter("ignore")
        rhos = [spearmanr(x.ravel(), y.ravel()).statistic for x, y in zip(a, b)]
    return float(np.mean(np.nan_to_num(rhos, nan=0.0)))


def test_the_same_model_gives_nearly_the_same_maps_for_a_re_encoded_face(detector, faces):
    import cv2

    jpeg = [cv2.imdecode(cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 95])[1], cv2.IMREAD_UNCHANGED) for f in faces]
    assert rank_correlation(track_maps(detector, faces), track_maps(detector, jpeg)) > 0.8


def test_each_step_of_cascading_randomisation_changes_the_maps(detector, faces):
    before = track_maps(detector, faces)
    randomised = copy.deepcopy(detector)
    torch.manual_seed(1)
    found = {}
    for name, part in CASCADE:
        for module in part(randomised.model).modules():
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.reset_running_stats()
        found[name] = rank_correlation(before, track_maps(randomised, faces))
    assert all(rho < 0.4 for rho in found.values()), found
