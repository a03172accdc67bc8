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
from typing import Protocol

import numpy as np
import torch

from ml.media.faces import Track
from ml.model.backbones import feature_map, pooled
from ml.model.calibration import calibrate
from ml.model.checkpoint import Detector
from ml.model.presets import preset_from_preprocessing
from ml.results import FAKE
from ml.serving.acceleration import autocast_for


class Encode(Protocol):
    """(N, 3, H, W) preprocessed crops -> (N, features); with `maps`, also their last feature maps (N, C,
    h, w) from the same pass (see encode_crops)."""

    def __call__(self, x: torch.Tensor, maps: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]: ...


Progress = Callable[[str, float], None]  # (stage, fraction done)
# Videos' encoded tracks -> each video's scored tracks (classify_tracks, or ml.serving.microbatch's merged one)
Classify = Callable[[list[list["EncodedTrack"]]], list[list["ScoredTrack"]]]
ENCODE_BATCH = 64  # crops per backbone forward pass
CLASSIFY_BATCH = 64  # sequences per LSTM call


@dataclass
class EncodedTrack:
    track: Track
    features: torch.Tensor  # (faces, feature_dim), in time order
    flipped: torch.Tensor | None = None  # the mirrored crops' features, for a checkpoint that asks (tta_flip)
    # (faces, C, h, w): the backbone's last feature maps of the (unmirrored) crops, kept from the same pass
    # when heatmaps are asked for (ml/serving/heatmaps.py reads its top crops' maps instead of running the
    # backbone again); as the backbone made them, on its device. None: not kept.
    maps: torch.Tensor | None = field(default=None, repr=False)


@dataclass
class ScoredTrack:
    track: Track
    fake_probability: float  # the sequence's, averaged over its sequences
    step_probabilities: list[float] = field(default_factory=list)  # one per face, in time order
    # (faces, lstm_hidden): the LSTM's output at each face's step, in time order; kept so a heatmap
    # (ml/serving/heatmaps.py) can rebuild the LSTM's state before any step without running it again.
    step_outputs: torch.Tensor | None = field(default=None, repr=False)


def score_tracks(tracks: list[Track], detector: Detector, progress: Progress | None = None,
                 encode: Encode | None = None) -> list[ScoredTrack]:
    """Every track of one video, encoded then classified (its tracks' sequences batched together)."""
    encoded = encode_tracks(tracks, detector, progress, encode)
    return classify_tracks([encoded], detector)[0]


@torch.inference_mode()
def encode_tracks(tracks: list[Track], detector: Detector, progress: Progress | None = None,
                  encode: Encode | None = None, keep_maps: bool = False) -> list[EncodedTrack]:
    """Each track's crops through the model's preset and the backbone; with `keep_maps`, each crop's last
    feature map kept too (EncodedTrack.maps), for heatmaps: every crop's, since which are a track's most
    suspicious is known only once the LSTM has scored them."""
    report = progress or (lambda stage, fraction: None)
    encode = encode or (lambda x, maps=False: encode_crops(detector, x, maps=maps))
    preset = preset_from_preprocessing(detector.preprocessing)
    encoded = []
    flip = bool(detector.preprocessing.get("tta_flip"))
    for k, track in enumerate(tracks):
        x = preset([f.crop for f in track.faces])
        features, maps = encode(x, maps=True) if keep_maps else (encode(x), None)
        encoded.append(EncodedTrack(track, features, encode(x.flip(-1)) if flip else None, maps))
        report("scoring", (k + 1) / len(tracks))
    return encoded


@torch.inference_mode()
def encode_crops(detector: Detector, x: torch.Tensor, batch: int = ENCODE_BATCH,
                 maps: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Backbone features of preprocessed crops (N, 3, H, W), `batch` crops per forward pass. With `maps`:
    (features, last feature maps), the backbone split at its pooling (the same modules, so the same
    features; a compiled backbone runs uncompiled then), the maps as the backbone made them: float32 on a
    CPU (float16 would halve their memory, but Grad-CAM's weighted sum over 2048 channels cancels, and its
    rounding moved a random ResNeXt's maps by 1 % of their peak), autocast's 16 bits on a GPU."""
    with autocast_for(detector):
        if not maps:
            return torch.cat([detector.model.encode_frames(x[i : i + batch].unsqueeze(0).to(detector.device))[0]
                              for i in range(0, len(x), batch)])
        backbone = detector.model.backbone
        parts = [feature_map(backbone, x[i : i + batch].to(detector.device)) for i in range(0, len(x), batch)]
        return torch.cat([pooled(backbone, a) for a in parts]), torch.cat(parts)


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
    step_out: dict[_Sequence, torch.Tensor] = {}
    for batch in _same_length_batches(sequences):
        out = _classify(videos, batch, detector)
        whole = torch.softmax(out.logits.float(), -1)[:, FAKE].tolist()
        steps = torch.softmax(out.step_logits.float(), -1)[:, :, FAKE].tolist()
        for s, p, ps, hs in zip(batch, whole, steps, out.steps):
            sequence_p[s], step_p[s], step_out[s] = p, ps, hs
    of_track: dict[tuple[int, int], list[_Sequence]] = {}
    for s in sequences:
        of_track.setdefault((s.video, s.track), []).append(s)
    return [[_calibrated(_scored(encoded, of_track[v, t], sequence_p, step_p, step_out), detector)
             for t, encoded in enumerate(tracks)] for v, tracks in enumerate(videos)]


def _classify(videos: list[list[EncodedTrack]], batch: list[_Sequence], detector: Detector):
    """The LSTM's output for a batch of sequences; with test-time flip, the logits averaged with the
    mirrored crops' (the steps' outputs, which heatmaps read, stay the unmirrored ones)."""
    x = torch.stack([videos[s.video][s.track].features[list(s.steps)] for s in batch])
    out = detector.model.classify_features(x)
    if videos[batch[0].video][batch[0].track].flipped is None:
        return out
    mirrored = detector.model.classify_features(
        torch.stack([videos[s.video][s.track].flipped[list(s.steps)] for s in batch]))
    return out._replace(logits=(out.logits + mirrored.logits) / 2, step_logits=(out.step_logits + mirrored.step_logits) / 2)


def _calibrated(scored: ScoredTrack, detector: Detector) -> ScoredTrack:
    """The track's probabilities through the checkpoint's calibration; as they were without one."""
    calibration = getattr(detector, "calibration", None)
    if calibration:
        scored.fake_probability = calibrate(scored.fake_probability, calibration)
        scored.step_probabilities = [float(p) for p in calibrate(np.array(scored.step_probabilities), calibration)]
    return scored


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


def _scored(encoded: EncodedTrack, sequences: list[_Sequence], sequence_p: dict, step_p: dict,
            step_out: dict) -> ScoredTrack:
    steps = [0.0] * len(encoded.track.faces)
    outputs = torch.empty((len(steps), step_out[sequences[0]].shape[-1]), dtype=step_out[sequences[0]].dtype,
                          device=step_out[sequences[0]].device)
    for s in sequences:
        outputs[list(s.steps)] = step_out[s]
        for i, p in zip(s.steps, step_p[s]):
            steps[i] = p
    return ScoredTrack(encoded.track, float(np.mean([sequence_p[s] for s in sequences])), steps, outputs)
