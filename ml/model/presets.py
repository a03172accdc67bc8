"""Image transforms, defined once as named presets, and the preprocessing a checkpoint records.

A preset takes one face sequence (a list of RGB uint8 HxWx3 crops) and returns a float tensor
(T, 3, S, S). A random augmentation draws its parameters once per sequence: a flip or colour shift
that flickered from frame to frame would be exactly the kind of temporal artefact the LSTM learns to
call fake.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ml.media.faces import FaceSettings
from ml.model import backbones

IMAGE_SIZE = 112
SEQUENCE_LENGTH = 20

Preset = Callable[[Sequence[np.ndarray]], torch.Tensor]


def make_preprocessing(backbone: str, image_size: int = IMAGE_SIZE, frames: int = SEQUENCE_LENGTH,
                       faces: FaceSettings | None = None, extraction: dict | None = None) -> dict:
    """What a checkpoint records so serving sees the faces training saw: input size, normalisation,
    sequence length, how faces were found and cut (ml.media.faces.FaceSettings) and, for a trained
    model, how its training videos were sampled: extraction = {"frames": per video, "sampling":
    "spread" | "first"} (ml.training.face_cache.ExtractSettings; absent for an untrained model)."""
    spec = backbones.spec(backbone)
    recorded = {"image_size": image_size, "mean": list(spec.mean), "std": list(spec.std), "frames": frames,
                "faces": (faces or FaceSettings()).as_dict()}
    if extraction is not None:
        recorded["extraction"] = dict(extraction)
    return recorded


def default_preprocessing(frames: int = SEQUENCE_LENGTH, backbone: str = "resnext50_32x4d") -> dict:
    return make_preprocessing(backbone, IMAGE_SIZE, frames)


def face_settings_of(preprocessing: dict) -> FaceSettings:
    """The face settings a checkpoint recorded; the defaults for checkpoints older than that."""
    return FaceSettings.from_dict(preprocessing.get("faces") or {})


def eval_preset(image_size: int = IMAGE_SIZE, mean=backbones.IMAGENET_MEAN, std=backbones.IMAGENET_STD) -> Preset:
    normalise = _normaliser(image_size, mean, std)
    return lambda crops: normalise(_stack(crops))


def train_preset(image_size: int = IMAGE_SIZE, mean=backbones.IMAGENET_MEAN, std=backbones.IMAGENET_STD,
                 min_crop: float = 0.85, brightness: float = 0.1, rng: np.random.Generator | None = None) -> Preset:
    """Per sequence: horizontal flip, a random square crop of `min_crop`..100 % of the side, brightness
    ±`brightness`. Mild on purpose: the crops are aligned faces, and heavy jitter hides blending seams."""
    normalise = _normaliser(image_size, mean, std)
    rng = rng or np.random.default_rng()

    def apply(crops: Sequence[np.ndarray]) -> torch.Tensor:
        x = _stack(crops)
        side = x.shape[-1]
        cut = int(round(side * rng.uniform(min_crop, 1.0)))
        top, left = (int(rng.integers(0, side - cut + 1)) for _ in range(2))
        x = x[..., top : top + cut, left : left + cut]
        if rng.random() < 0.5:
            x = x.flip(-1)
        x = normalise(x)
        shift = rng.uniform(-brightness, brightness) / torch.tensor(std).view(1, 3, 1, 1)
        return x.add_(shift)

    return apply


def preset_from_preprocessing(preprocessing: dict) -> Preset:
    """The eval preset a checkpoint's `preprocessing` dict describes."""
    return eval_preset(preprocessing["image_size"], tuple(preprocessing["mean"]), tuple(preprocessing["std"]))


def _stack(crops: Sequence[np.ndarray]) -> torch.Tensor:
    return torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2)  # T,3,H,W uint8


def _normaliser(image_size: int, mean, std):
    mean_t = torch.tensor(mean).view(1, 3, 1, 1) * 255
    std_t = torch.tensor(std).view(1, 3, 1, 1) * 255

    def normalise(x: torch.Tensor) -> torch.Tensor:
        # Resized in float, as every published model was trained: a uint8 resize (2x faster, a few ms a
        # step) rounds to whole grey levels, which moved the published model's P(fake) by up to 0.20.
        x = x.to(torch.float32, copy=True)  # a copy even of a float input: the caller's tensor stays as it was
        if x.shape[-1] != image_size or x.shape[-2] != image_size:
            x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", antialias=True, align_corners=False)
        return x.sub_(mean_t).div_(std_t)

    return normalise
