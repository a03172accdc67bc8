"""Scoring face tracks: the backbone encodes each track's crops once, then the LSTM reads them as
interleaved sequences of about the checkpoint's length, each spanning the whole track as the training
sequences did.

Two steps, so the batch path can put the second one's work together: `encode_tracks` gives each
track's features, and `classify_tracks` runs the LSTM over the sequences of every track of any number
of videos, sequences of one length in one call. On a CPU the LSTM is memory-bound (its 2048-wide
recurrent weights, 67 MB, are read again at each of the 20 steps), so 4 sequences cost about what 1
does (0.24 s against 0.21 s on one thread); on a GPU each step is a kernel launch whatever the batch.
So a video's tracks go together, `ml.serving.process_pool` scores the videos its workers finish together, and
the threads of `ml.serving.many_videos` merge theirs through `ml.serving.microbatch.BatchedClassifier`. A sequence's result does not depend on what it was
batched with beyond float rounding (tested).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from ml.media.faces import Track
from ml.model.checkpoint import Detector
from ml.model.presets import preset_from_preprocessing
from ml.results import FAKE
from ml.serving.acceleration import autocast_for

Encode = Callable[[torch.Tensor], torch.Tensor]  # (N, 3, H, W) preprocessed crops -> (N, features)
Progress = Callable[[str, float], None]  # (stage, fraction done)
# Videos' encoded tracks -> each video's scored tracks (classify_tracks, or ml.serving.microbatch's merged one)
Classify = Callable[[list[list["EncodedTrack"]]], list[list["ScoredTrack"]]]
ENCODE_BATCH = 64  # crops per backbone forward pass
CLASSIFY_BATCH = 64  # sequences per LSTM call


@dataclass
class EncodedTrack:
    track: Track
    features: torch.Tensor  # (faces, feature_dim), in time order


@dataclass
class ScoredTrack:
    track: Track
    fake_probability: float  # the sequence's, averaged over its sequences
    step_probabilities: list[float] = field(default_factory=list)  # one per face, in time order


def score_tracks(tracks: list[Track], detector: Detector, progress: Progress | None = None,
                 encode: Encode | None = None) -> list[ScoredTrack]:
    """Every track of one video, encoded then classified (its tracks' sequences batched together)."""
    encoded = encode_tracks(tracks, detector, progress, encode)
    return classify_tracks([encoded], detector)[0]


@torch.inference_mode()
def encode_tracks(tracks: list[Track], detector: Detector, progress: Progress | None = None,
                  encode: Encode | None = None) -> list[EncodedTrack]:
    """Each track's crops through the model's preset and the backbone."""
    report = progress or (lambda stage, fraction: None)
    encode = encode or (lambda x: encode_crops(detector, x))
    preset = preset_from_preprocessing(detector.preprocessing)
    encoded = []
    for k, track in enumerate(tracks):
        encoded.append(EncodedTrack(track, encode(preset([f.crop for f in track.faces]))))
        report("scoring", (k + 1) / len(tracks))
    return encoded


@torch.inference_mode()
def encode_crops(detector: Detector, x: torch.Tensor, batch: int = ENCODE_BATCH) -> torch.Tensor:
    """Backbone features of preprocessed crops (N, 3, H, W), `batch` crops per forward pass."""
    with autocast_for(detector):
        return torch.cat([detector.model.encode_frames(x[i : i + batch].unsqueeze(0).to(detector.device))[0]
                          for i in range(0, len(x), batch)])


@dataclass(frozen=True)
class _Sequence:
    video: int
    track: int
    steps: tuple[int, ...]  # positions in the track, in time order


@torch.inference_mode()
def classify_tracks(videos: list[list[EncodedTrack]], detector: Detector) -> list[list[ScoredTrack]]:
    """The LSTM over every sequence of every track of every video given: per video, its ScoredTracks."""
    length = int(detector.preprocessing.get("frames") or 20)
    sequences = [_Sequence(v, t, steps) for v, tracks in enumerate(videos) for t, encoded in enumerate(tracks)
                 for steps in _sequences(len(encoded.track.faces), length)]
    sequence_p: dict[_Sequence, float] = {}
    step_p: dict[_Sequence, list[float]] = {}
    for batch in _same_length_batches(sequences):
        x = torch.stack([videos[s.video][s.track].features[list(s.steps)] for s in batch])
        out = detector.model.classify_features(x)
        whole = torch.softmax(out.logits.float(), -1)[:, FAKE].tolist()
        steps = torch.softmax(out.step_logits.float(), -1)[:, :, FAKE].tolist()
        for s, p, ps in zip(batch, whole, steps):
            sequence_p[s], step_p[s] = p, ps
    of_track: dict[tuple[int, int], list[_Sequence]] = {}
    for s in sequences:
        of_track.setdefault((s.video, s.track), []).append(s)
    return [[_scored(encoded, of_track[v, t], sequence_p, step_p) for t, encoded in enumerate(tracks)]
            for v, tracks in enumerate(videos)]


def _sequences(n: int, length: int) -> list[tuple[int, ...]]:
    """A track of n faces as round(n / length) interleaved sequences (at least one)."""
    chunks = max(1, round(n / length))
    return [tuple(range(c, n, chunks)) for c in range(chunks)]


def _same_length_batches(sequences: list[_Sequence]) -> list[list[_Sequence]]:
    by_length: dict[int, list[_Sequence]] = {}
    for s in sequences:
        by_length.setdefault(len(s.steps), []).append(s)
    return [group[i : i + CLASSIFY_BATCH] for group in by_length.values()
            for i in range(0, len(group), CLASSIFY_BATCH)]


def _scored(encoded: EncodedTrack, sequences: list[_Sequence], sequence_p: dict, step_p: dict) -> ScoredTrack:
    steps = [0.0] * len(encoded.track.faces)
    for s in sequences:
        for i, p in zip(s.steps, step_p[s]):
            steps[i] = p
    return ScoredTrack(encoded.track, float(np.mean([sequence_p[s] for s in sequences])), steps)
