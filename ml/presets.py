"""Image transforms, defined once as named presets. Inference uses the eval preset.

A preset takes one face sequence (a list of RGB uint8 HxWx3 crops) and returns a float tensor
(T, 3, S, S). The whole sequence goes through the transform as one tensor, so a random augmentation
draws its parameters once per sequence: a flip or colour shift that flickered from frame to frame
would be exactly the kind of temporal artefact the LSTM learns to call fake.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torchvision.transforms import v2

IMAGE_SIZE = 112
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

Preset = Callable[[Sequence[np.ndarray]], torch.Tensor]


def default_preprocessing(frames: int = 20) -> dict:
    """The preprocessing a checkpoint records: what the eval preset needs plus the sequence length."""
    return {"image_size": IMAGE_SIZE, "mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD), "frames": frames}


def eval_preset(image_size: int = IMAGE_SIZE, mean=IMAGENET_MEAN, std=IMAGENET_STD) -> Preset:
    return _sequence_preset([*_resize_and_normalise(image_size, mean, std)])


def train_preset(image_size: int = IMAGE_SIZE, mean=IMAGENET_MEAN, std=IMAGENET_STD) -> Preset:
    """Mild augmentation only: faces are already aligned crops, and heavy jitter hides blending seams."""
    augment = [v2.RandomHorizontalFlip(), v2.ColorJitter(brightness=0.1, contrast=0.1, saturation=0.1, hue=0.02)]
    return _sequence_preset([*augment, *_resize_and_normalise(image_size, mean, std)])


def preset_from_preprocessing(preprocessing: dict) -> Preset:
    """The eval preset a checkpoint's `preprocessing` dict describes."""
    return eval_preset(preprocessing["image_size"], tuple(preprocessing["mean"]), tuple(preprocessing["std"]))


def _resize_and_normalise(image_size: int, mean, std) -> list:
    return [
        v2.Resize((image_size, image_size), antialias=True),
        v2.ToDtype(torch.float32, scale=True),
        v2.Normalize(list(mean), list(std)),
    ]


def _sequence_preset(steps: list) -> Preset:
    transform = v2.Compose(steps)

    def apply(crops: Sequence[np.ndarray]) -> torch.Tensor:
        batch = torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).contiguous()  # T,3,H,W uint8
        return transform(batch)

    return apply
