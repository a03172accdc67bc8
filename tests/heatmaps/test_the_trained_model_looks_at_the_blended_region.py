"""Sanity check 2: on faces blended into themselves through a known mask, the trained model's heatmap
holds more of its mass inside the blended region than outside it, for the region's size: the mass per
unit of area inside is higher than outside (a map spread evenly would hold the region's share of the
area). Maps at the crop's resolution, upsampled as the overlay shows them."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tests.heatmaps.blending import astronaut_faces, elliptical_mask, self_blend
from tests.heatmaps.sanity import published_detector, track_maps


@pytest.fixture(scope="module")
def detector():
    return published_detector()


def test_the_trained_models_heatmap_is_denser_inside_the_blended_region(detector):
    from ml.model.presets import face_settings_of

    rng = np.random.default_rng(0)
    crops = astronaut_faces(face_settings_of(detector.preprocessing), 8)
    masks = [elliptical_mask(c.shape[0], rng) for c in crops]
    blended = [self_blend(c, m, rng) for c, m in zip(crops, masks)]
    maps = torch.from_numpy(track_maps(detector, blended))
    side = crops[0].shape[0]
    maps = F.interpolate(maps[:, None], size=(side, side), mode="bilinear", align_corners=False)[:, 0].numpy()
    inside = [(m * (k > 0.5)).sum() / m.sum() for m, k in zip(maps, masks)]
    area = [(k > 0.5).mean() for k in masks]
    density_ratio = [(i / a) / ((1 - i) / (1 - a)) for i, a in zip(inside, area)]
    assert np.mean(inside) > np.mean(area) and min(density_ratio) > 1, (inside, area, density_ratio)
