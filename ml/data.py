"""Torch datasets over the face-crop cache: crop sequences (through the train/eval presets) for
fine-tuning, and cached backbone features for training with a frozen (part of the) backbone.

Every item is one video: (sequence, label). Sequences are cut or cycled to a fixed length so they
batch; a training item takes a random evenly-spaced subset of the video's crops, an eval item the
fixed evenly-spaced one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from ml.cache import ExtractSettings, load_clip_crops
from ml.datasets import Clip


@dataclass
class CachedClip:
    clip: Clip
    crops: np.ndarray  # (T, S, S, 3) uint8


def load_cached(clips: Sequence[Clip], cache_dir, settings: ExtractSettings) -> tuple[list[CachedClip], list[Clip]]:
    """(clips with at least one face crop, clips left out: not cached or no face)."""
    kept, left_out = [], []
    for clip in clips:
        entry = load_clip_crops(cache_dir, clip, settings)
        if entry is None or len(entry.crops) == 0:
            left_out.append(clip)
        else:
            kept.append(CachedClip(clip, entry.crops))
    return kept, left_out


def pick_frames(available: int, frames: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """`frames` indices into `available` crops in time order: evenly spread (eval), or spread from a
    random start with a random stride (train). Fewer crops than wanted are cycled."""
    if available <= 0:
        raise ValueError("A sequence needs at least one crop.")
    if available < frames:
        return np.arange(frames) % available
    if rng is None:
        return np.linspace(0, available - 1, frames).round().astype(np.int64)
    span = int(rng.integers(frames, available + 1))  # how much of the video the subset covers
    start = int(rng.integers(0, available - span + 1))
    return (start + np.linspace(0, span - 1, frames)).round().astype(np.int64)


class CropSequences(Dataset):
    """(T, 3, S, S) float tensors through a preset, and the label (0 real, 1 fake)."""

    def __init__(self, items: Sequence[CachedClip], frames: int, preset: Callable, train: bool, seed: int = 0):
        self.items, self.frames, self.preset, self.train = list(items), frames, preset, train
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int):
        item = self.items[i]
        idx = pick_frames(len(item.crops), self.frames, self.rng if self.train else None)
        return self.preset([item.crops[j] for j in idx]), item.clip.target


class FeatureSequences(Dataset):
    """Cached features (T, ...) of each video, as computed by a frozen backbone prefix; `variants`
    holds one tensor per augmentation (e.g. plain and mirrored), a training item picks one."""

    def __init__(self, variants: Sequence[Sequence[torch.Tensor]], labels: Sequence[int], frames: int,
                 train: bool, seed: int = 0):
        self.variants, self.labels, self.frames, self.train = variants, list(labels), frames, train
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        options = self.variants[i]
        feats = options[int(self.rng.integers(len(options)))] if self.train else options[0]
        idx = pick_frames(len(feats), self.frames, self.rng if self.train else None)
        return feats[torch.from_numpy(idx)].float(), self.labels[i]


def class_weights(labels: Sequence[int], num_classes: int = 2) -> torch.Tensor:
    """Inverse-frequency weights, normalised so a balanced set gets 1 for every class."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=num_classes).astype(np.float64)
    weights = counts.sum() / (num_classes * np.maximum(counts, 1))
    return torch.tensor(weights, dtype=torch.float32)


def sample_weights(labels: Sequence[int]) -> torch.Tensor:
    """Per-item weights for a WeightedRandomSampler that draws both classes equally often."""
    return class_weights(labels)[torch.as_tensor(list(labels))]
