"""Training and evaluation data from the face-crop cache (ml/training/face_cache.py).

A `CachedVideo` holds one video's cache entry with its crops decoded once, up front, so no JPEG is
decoded inside the training loop. Training learns from the video's main face track; evaluation
scores every track that counts, through the same function serving uses (ml.serving.scoring.score_tracks).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from ml.media.faces import Face, Track, square_region
from ml.media.jpeg import decode_jpegs
from ml.training.datasets import Clip
from ml.training.face_cache import (
    CacheEntry,
    ExtractSettings,
    load_entry,
    prepare_cache,
)
from ml.training.self_blend import FaceRegion, blend_sequence


@dataclass
class CachedVideo:
    clip: Clip
    entry: CacheEntry
    crops: np.ndarray  # (N, S, S, 3) uint8, every face of the entry, decoded

    def cache_sampling(self) -> tuple[int | None, int, str]:
        """(the video's frame count, the frames the cache spread over it, its sampling mode): where its
        frames came from (ml.media.video.frame_indices). The count is the one the cache recorded, or,
        for an entry from before it did, the video's header's now; None where neither says."""
        meta = self.entry.meta
        settings = meta["settings"]
        count = meta.get("frame_count") or _probed_frame_count(self.clip.path)
        return count, int(settings["frames"]), settings["sampling"]

    @property
    def main_crops(self) -> np.ndarray:
        return self.crops[self.entry.main_track()]

    def main_regions(self) -> list[FaceRegion]:
        """Where the face is in each main-track crop: its box (and landmarks, where the cache holds them)
        mapped into the crop as ml.media.faces.crop_square cut it."""
        e, side = self.entry, self.crops.shape[1]
        margin = e.meta["settings"]["faces"]["margin"]
        regions = []
        for i in e.main_track():
            left, top, cut = square_region(tuple(e.box[i]), margin, e.meta["width"], e.meta["height"])
            to_crop = np.array([left, top]), side / cut
            box = ((e.box[i].reshape(2, 2) - to_crop[0]) * to_crop[1]).ravel()
            points = None if e.landmarks is None else (e.landmarks[i] - to_crop[0]) * to_crop[1]
            regions.append(FaceRegion(tuple(float(v) for v in box), points))
        return regions

    def tracks(self) -> list[Track]:
        """The entry's face tracks, as ml.serving.pipeline.find_face_tracks returned them."""
        e = self.entry
        tracks: dict[int, Track] = {}
        for i, tid in enumerate(e.track.tolist()):
            face = Face(i, int(e.frame_index[i]), float(e.timestamp[i]), tuple(e.box[i].tolist()), 1.0, self.crops[i])
            tracks.setdefault(tid, Track(tid)).faces.append(face)
        return [tracks[t] for t in sorted(tracks)]


def _probed_frame_count(path) -> int | None:
    from ml.errors import VideoError
    from ml.media.video import probe

    try:
        return probe(path).frame_count
    except (OSError, VideoError):
        return None


def load_cached(clips: Sequence[Clip], cache_dir, settings: ExtractSettings) -> tuple[list[CachedVideo], list[Clip]]:
    """(videos with at least one face, clips left out: not cached or no face)."""
    kept, left_out = [], []
    for clip in clips:
        entry = load_entry(cache_dir, clip, settings)
        if entry is None or len(entry) == 0:
            left_out.append(clip)
        else:
            kept.append(CachedVideo(clip, entry, decode_jpegs(entry.jpegs)))
    return kept, left_out


def prepared_videos(clips: Sequence[Clip], cache_dir, settings: ExtractSettings, *, workers: int = 1,
                    progress: bool = True) -> tuple[list[CachedVideo], list[Clip], dict]:
    """Fill the cache where it lacks a clip, then load it: (videos with faces, clips left out, the
    cache report of ml.training.face_cache.prepare_cache)."""
    report = prepare_cache(clips, cache_dir, settings, workers=workers, progress=progress)
    items, left_out = load_cached(clips, cache_dir, settings)
    return items, left_out, report


def labels_of(items: Sequence[CachedVideo]) -> np.ndarray:
    """0 real, 1 fake, per video."""
    return np.array([i.clip.target for i in items], dtype=np.int64)


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
    """(T, 3, S, S) float tensors of each video's main track through a preset, and the label.

    With `self_blend_rate` r (training only), a drawn fake is replaced, with chance r, by a random real
    video's sequence self-blended (ml/training/self_blend.py) and labelled fake: the classes stay as
    balanced as the sampler makes them, and r of the fakes are pseudo-fakes."""

    def __init__(self, items: Sequence[CachedVideo], frames: int, preset: Callable, train: bool, seed: int = 0,
                 self_blend_rate: float = 0.0):
        self.items, self.frames, self.preset, self.train = list(items), frames, preset, train
        self.crops = [item.main_crops for item in self.items]
        self.rng = np.random.default_rng(seed)
        self.self_blend_rate = self_blend_rate if train else 0.0
        self.reals = [n for n, item in enumerate(self.items) if item.clip.target == 0]
        self.regions: dict[int, list[FaceRegion]] = {}  # per real, computed when first blended

    def __len__(self) -> int:
        return len(self.items)

    def reseed(self, seed: int) -> None:
        """Restart this copy's random draws (frames, self-blending, the preset's jitter) from `seed`."""
        self.rng = np.random.default_rng([seed, 0])
        if hasattr(self.preset, "reseed"):
            self.preset.reseed([seed, 1])

    def __getitem__(self, i: int):
        target = self.items[i].clip.target
        if target == 1 and self.reals and self.self_blend_rate and self.rng.random() < self.self_blend_rate:
            return self.preset(self._self_blended(self.reals[int(self.rng.integers(len(self.reals)))])), 1
        crops = self.crops[i]
        idx = pick_frames(len(crops), self.frames, self.rng if self.train else None)
        return self.preset([crops[j] for j in idx]), target

    def _self_blended(self, real: int) -> list[np.ndarray]:
        if real not in self.regions:
            self.regions[real] = self.items[real].main_regions()
        crops = self.crops[real]
        idx = pick_frames(len(crops), self.frames, self.rng)
        return blend_sequence([crops[j] for j in idx], [self.regions[real][j] for j in idx], self.rng)


def reseed_worker(worker_id: int) -> None:
    """DataLoader `worker_init_fn`. Each worker is a fork of the main process, whose generators never
    advance (it draws nothing itself), so without this every worker, every epoch, would repeat the same
    draws. torch gives each worker of each epoch its own seed from the loader's generator: reproducible
    for a seed, different between workers and epochs."""
    info = torch.utils.data.get_worker_info()
    info.dataset.reseed(info.seed)


def class_weights(labels: Sequence[int], num_classes: int = 2) -> torch.Tensor:
    """Inverse-frequency weights, normalised so a balanced set gets 1 for every class."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=num_classes).astype(np.float64)
    weights = counts.sum() / (num_classes * np.maximum(counts, 1))
    return torch.tensor(weights, dtype=torch.float32)


def sample_weights(labels: Sequence[int]) -> torch.Tensor:
    """Per-item weights for a WeightedRandomSampler that draws both classes equally often."""
    return class_weights(labels)[torch.as_tensor(list(labels))]
