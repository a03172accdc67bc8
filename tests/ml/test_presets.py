"""The presets that turn face crops into the model's input: resized in float, exactly as the published
models were trained (a uint8 resize, 2x faster, moved the published model's verdicts)."""

import numpy as np
import torch
import torch.nn.functional as F

from ml.model.backbones import IMAGENET_MEAN, IMAGENET_STD
from ml.model.presets import eval_preset, train_preset


def crops(n=4, side=224):
    rng = np.random.default_rng(0)
    smooth = rng.integers(0, 255, (n, side // 8, side // 8, 3)).repeat(8, 1).repeat(8, 2)  # face-like, not noise
    return list(np.clip(smooth + rng.integers(-20, 20, smooth.shape), 0, 255).astype(np.uint8))


def test_the_eval_preset_resizes_exactly_as_training_did_in_float():
    faces = crops()
    x = eval_preset(112)(faces)
    reference = F.interpolate(torch.from_numpy(np.stack(faces)).permute(0, 3, 1, 2).float(), size=(112, 112),
                              mode="bilinear", antialias=True, align_corners=False)
    grey = x * torch.tensor(IMAGENET_STD).view(1, 3, 1, 1) * 255 + torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1) * 255
    assert x.shape == (4, 3, 112, 112) and x.dtype == torch.float32
    assert (grey - reference).abs().max() < 1e-3  # not rounded to whole grey levels


def test_the_train_preset_gives_normalised_float_crops_of_the_model_size():
    x = train_preset(112, rng=np.random.default_rng(1))(crops())
    assert x.shape == (4, 3, 112, 112) and x.dtype == torch.float32 and torch.isfinite(x).all()
    assert x.mean().abs() < 2  # normalised, not raw grey levels
