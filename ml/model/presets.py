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


AUGMENTATIONS = ("mild", "strong")


def check_augmentation(name: str) -> None:
    """Refuse an augmentation name this module does not know, in a sentence (presets and recipes alike)."""
    if name not in AUGMENTATIONS:
        raise ValueError(f"augmentation must be one of {AUGMENTATIONS}, not {name!r}")


def train_preset(image_size: int = IMAGE_SIZE, mean=backbones.IMAGENET_MEAN, std=backbones.IMAGENET_STD,
                 min_crop: float = 0.85, brightness: float = 0.1, rng: np.random.Generator | None = None,
                 augmentation: str = "mild") -> Preset:
    """Per sequence: horizontal flip, a random square crop of `min_crop`..100 % of the side, brightness
    ±`brightness`. "mild" stops there, on purpose: the crops are aligned faces, and heavy jitter could
    hide blending seams. "strong" adds what differs between people and cameras rather than between real
    and fake (`strong_jitter`): contrast, saturation, white balance, sometimes grey, a slight blur, and
    a blanked patch."""
    check_augmentation(augmentation)
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
        # Drawn between the flip and the brightness shift, and only for "strong", so "mild" draws exactly
        # what it always did; applied after the resize, at the input size, where on a CPU (160 px) it costs
        # about half what it would on the cached 224 px crops.
        x = normalise(x, (lambda resized: strong_jitter(resized, rng)) if augmentation == "strong" else None)
        shift = rng.uniform(-brightness, brightness) / torch.tensor(std).view(1, 3, 1, 1)
        return x.add_(shift)

    def reseed(seed) -> None:
        """Restart the draws from `seed` (whatever np.random.default_rng takes), in place: a DataLoader
        worker's forked copy calls it."""
        rng.bit_generator.state = np.random.default_rng(seed).bit_generator.state

    apply.reseed = reseed
    return apply


# The face's grey level, as ITU-R BT.601 weighs the channels.
_LUMA = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)


def strong_jitter(x: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """A (T, 3, H, W) float sequence (0..255) jittered once for all its frames, as a new tensor.

    Each change imitates something that varies between people, lighting and cameras, and that a model
    trained on a few dozen identities could otherwise take for "real" or "fake": contrast 0.8-1.2,
    saturation 0.7-1.3, white balance (each channel's gain 0.93-1.07), grey 10 % of the time, a
    Gaussian blur of sigma 0.3-1.0 px 20 % of the time (a softer camera or a rescale; light, because
    the seams a face swap leaves are fine detail), and a square of 15-35 % of the side blanked to the
    sequence's mean colour half the time (cutout: no single patch of the face decides the verdict)."""
    grey = (x * _LUMA).sum(1, keepdim=True)
    contrast, saturation = rng.uniform(0.8, 1.2), rng.uniform(0.7, 1.3)
    gains = torch.tensor(rng.uniform(0.93, 1.07, size=3), dtype=x.dtype).view(1, 3, 1, 1)
    if rng.random() < 0.1:
        saturation = 0.0
    x = grey + (x - grey) * saturation
    level = grey.mean()
    x = (x - level) * contrast + level
    x = x * gains
    if rng.random() < 0.2:
        x = _blur(x, rng.uniform(0.3, 1.0))
    x = x.clamp_(0, 255)
    if rng.random() < 0.5:
        side_h, side_w = x.shape[-2:]
        patch = round(min(side_h, side_w) * rng.uniform(0.15, 0.35))
        top, left = int(rng.integers(0, side_h - patch + 1)), int(rng.integers(0, side_w - patch + 1))
        x[..., top : top + patch, left : left + patch] = x.mean(dim=(0, 2, 3)).view(1, 3, 1, 1)
    return x


def _blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """A separable Gaussian blur of every channel (reflect padding: the face's edge does not darken)."""
    radius = max(1, round(3 * sigma))
    taps = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device) / sigma) ** 2)
    taps = taps / taps.sum()
    channels = x.shape[1]
    x = F.pad(x, (radius, radius, radius, radius), mode="reflect")
    x = F.conv2d(x, taps.view(1, 1, 1, -1).expand(channels, 1, 1, -1).contiguous(), groups=channels)
    return F.conv2d(x, taps.view(1, 1, -1, 1).expand(channels, 1, -1, 1).contiguous(), groups=channels)


def preset_from_preprocessing(preprocessing: dict) -> Preset:
    """The eval preset a checkpoint's `preprocessing` dict describes."""
    return eval_preset(preprocessing["image_size"], tuple(preprocessing["mean"]), tuple(preprocessing["std"]))


def _stack(crops: Sequence[np.ndarray]) -> torch.Tensor:
    return torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2)  # T,3,H,W uint8


def _normaliser(image_size: int, mean, std):
    mean_t = torch.tensor(mean).view(1, 3, 1, 1) * 255
    std_t = torch.tensor(std).view(1, 3, 1, 1) * 255

    def normalise(x: torch.Tensor, jitter: Callable[[torch.Tensor], torch.Tensor] | None = None) -> torch.Tensor:
        """`jitter`, where given, changes the resized 0..255 pixels before they are normalised."""
        # Resized in float, as every published model was trained: a uint8 resize (2x faster, a few ms a
        # step) rounds to whole grey levels, which moved the published model's P(fake) by up to 0.20.
        x = x.to(torch.float32, copy=True)  # a copy even of a float input: the caller's tensor stays as it was
        if x.shape[-1] != image_size or x.shape[-2] != image_size:
            x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", antialias=True, align_corners=False)
        if jitter is not None:
            x = jitter(x)
        return x.sub_(mean_t).div_(std_t)

    return normalise
