"""Where the model looked: a Grad-CAM heatmap per scored face crop, for that crop's own step.

The target is the crop's per-step score, the one the per-frame chart shows: step t's fake log-odds
(fake logit minus real logit, so the map explains P(fake) and not one logit alone).

Why Grad-CAM is cheap and exact here. Both backbones (ResNeXt, EfficientNet-Lite) end in global
average pooling: features f = mean over (i, j) of the last feature map A (C, h, w). So the gradient of
the score with respect to A is the same at every position, g_c / (h*w) with g = d score / d f, and
Grad-CAM's channel weights are g itself: the map is ReLU(sum_c g_c A_c) and needs no backward pass
through the backbone. (HiResCAM, elementwise gradient times activation, is then the same map; the sum
of the map before the ReLU is g . f, the score's first-order change due to this face's features.)

g is the gradient of step t with respect to frame t only. The LSTM runs forwards, so its state before
frame t (h, c of every layer after frames 0..t-1) does not depend on frame t: one step of the LSTM from
that state, with frame t's features as the input, gives step t's score, and its gradient is frame t's
own. The states come from one pass over the sequences the scores came from (ml/serving/scoring.py), and
every chosen crop's step goes through the LSTM and head in one batched call.

A is the one scoring's backbone pass made: when heatmaps are asked for, encoding keeps every crop's
last feature map (`EncodedTrack.maps`; ml/serving/scoring.py), so heatmaps run no backbone. Where a
track's maps were not kept (encoded without them), the backbone runs again on its chosen crops only:
the same maps. Keeping them costs memory, not time (float32 on a CPU; ResNeXt-50 at 112 px: 2048x4x4,
128 KB per crop, 13 MB for a 100-frame track); the process pool's workers send them to the parent with
the features, through shared memory (docs/speed.md).

Maps are computed for the top K crops of each track by score (every crop when K is at least the
track's length; K = 0: none), and returned as small JPEG overlays on their crops.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ml.media.jpeg import encode_jpeg
from ml.model.backbones import feature_map
from ml.model.checkpoint import Detector
from ml.model.presets import preset_from_preprocessing
from ml.results import FAKE, REAL
from ml.serving.acceleration import autocast_for
from ml.serving.scoring import ENCODE_BATCH, EncodedTrack, ScoredTrack, _sequences

JPEG_QUALITY = 80
OVERLAY_SIDE = 112  # px: the page shows crops at 112 px; the PDF smaller
OVERLAY_ALPHA = 0.5  # the colour map's weight where the map is at its peak
Chosen = tuple[int, int]  # (track position in the list, face position in the track)


def heatmap_jpegs(scored: list[ScoredTrack], encoded: list[EncodedTrack], detector: Detector,
                  top_k: int) -> dict[Chosen, bytes]:
    """JPEG overlays for each track's top_k most suspicious crops, keyed by (track position, face position)."""
    chosen = choose(scored, top_k) if explainable(detector) else []
    if not chosen:
        return {}
    maps = cams(detector, scored, encoded, chosen)
    return {c: encode_jpeg(overlay(encoded[c[0]].track.faces[c[1]].crop, m), JPEG_QUALITY)
            for c, m in zip(chosen, maps.numpy())}


def explainable(detector: Detector) -> bool:
    """Whether this model's LSTM is one the state rebuild below covers (one layer, no projection: every
    preset's); for others no heatmap is made rather than a wrong one."""
    return detector.model.lstm.num_layers == 1 and not detector.model.lstm.proj_size


def choose(scored: list[ScoredTrack], top_k: int) -> list[Chosen]:
    """Each track's top_k faces by their step's fake probability (ties: the earlier face), in time order."""
    if top_k <= 0:
        return []
    return [(t, i) for t, s in enumerate(scored)
            for i in sorted(sorted(range(len(s.step_probabilities)), key=lambda i: -s.step_probabilities[i])[:top_k])]


def cams(detector: Detector, scored: list[ScoredTrack], encoded: list[EncodedTrack],
         chosen: list[Chosen]) -> torch.Tensor:
    """(len(chosen), h, w) non-negative Grad-CAM maps at the backbone's last feature map's resolution."""
    weights = step_gradients(detector, scored, encoded, chosen)
    return torch.relu(torch.einsum("nc,nchw->nhw", weights, chosen_maps(detector, encoded, chosen)))


def chosen_maps(detector: Detector, encoded: list[EncodedTrack], chosen: list[Chosen]) -> torch.Tensor:
    """(len(chosen), C, h, w) the chosen crops' last feature maps, float32 on the CPU: those encoding kept,
    and the backbone again on the crops of tracks encoded without them."""
    kept = [encoded[t].maps is not None for t, _ in chosen]
    missing = [encoded[t].track.faces[i].crop for (t, i), k in zip(chosen, kept) if not k]
    again = iter(feature_maps(detector, missing) if missing else [])
    found = [encoded[t].maps[i] for (t, i), k in zip(chosen, kept) if k]
    found = iter(torch.stack(found).float().cpu() if found else [])  # one copy off the device
    return torch.stack([next(found) if k else next(again) for k in kept])


def step_gradients(detector: Detector, scored: list[ScoredTrack], encoded: list[EncodedTrack],
                   chosen: list[Chosen]) -> torch.Tensor:
    """(len(chosen), feature_dim): d(step's fake log-odds) / d(that face's features), per chosen face."""
    model = detector.model
    x, hh, c0 = _states_before(detector, scored, encoded, chosen)
    x = x.clone().requires_grad_(True)
    with torch.enable_grad():
        logits = model._head(_cell(model.lstm, x, hh.clone(), c0.clone()))
        (grad,) = torch.autograd.grad((logits[:, FAKE] - logits[:, REAL]).sum(), x)
    return grad.float().cpu()


@torch.inference_mode()
def feature_maps(detector: Detector, crops: list[np.ndarray]) -> torch.Tensor:
    """(N, C, h, w) last feature maps of the crops, through the model's preset, float32 on the CPU: the
    backbone again, for crops whose maps encoding did not keep."""
    x = preset_from_preprocessing(detector.preprocessing)(crops)
    backbone = detector.model.backbone
    with autocast_for(detector):
        return torch.cat([feature_map(backbone, x[i : i + ENCODE_BATCH].to(detector.device)).float().cpu()
                          for i in range(0, len(x), ENCODE_BATCH)])


def _cell(lstm: torch.nn.LSTM, x: torch.Tensor, hh: torch.Tensor, c0: torch.Tensor) -> torch.Tensor:
    """One step of a one-layer nn.LSTM (gates i, f, g, o, its order) from a given state: the output h.
    `hh` is the state's part of the gates, W_hh h + b_hh, which does not depend on x."""
    i, f, g, o = (F.linear(x, lstm.weight_ih_l0, lstm.bias_ih_l0) + hh).chunk(4, dim=-1)
    c = torch.sigmoid(f) * c0 + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c)


@torch.inference_mode()
def _states_before(detector: Detector, scored: list[ScoredTrack], encoded: list[EncodedTrack],
                   chosen: list[Chosen]):
    """For each chosen face: its features, the state's part of its gates (W_hh h + b_hh) and the cell c,
    both from before its step in the sequence it was scored in. h is the LSTM's output one step back,
    kept by scoring; c is rebuilt from the gates every step's (x, h before it) gives, with c's own
    recurrence, elementwise, so the LSTM does not run again. Sequences go together, padded at their end."""
    lstm = detector.model.lstm
    if not explainable(detector):
        raise ValueError("Heatmaps need a one-layer LSTM without projection.")
    length = int(detector.preprocessing.get("frames") or 20)
    where = [_position(len(encoded[t].track.faces), i, length) for t, i in chosen]
    sequences = sorted({(t, steps) for (t, _), (steps, _) in zip(chosen, where)})
    pad = torch.nn.utils.rnn.pad_sequence
    x = pad([encoded[t].features[list(steps)].float() for t, steps in sequences], batch_first=True)
    h = pad([scored[t].step_outputs[list(steps)].float() for t, steps in sequences], batch_first=True)
    h_before = torch.cat([torch.zeros_like(h[:, :1]), h[:, :-1]], dim=1)
    hh = F.linear(h_before, lstm.weight_hh_l0, lstm.bias_hh_l0)
    i, f, g, _ = (F.linear(x, lstm.weight_ih_l0, lstm.bias_ih_l0) + hh).chunk(4, dim=-1)
    c_before = [torch.zeros_like(i[:, 0])]
    for t in range(x.shape[1] - 1):
        c_before.append(torch.sigmoid(f[:, t]) * c_before[-1] + torch.sigmoid(i[:, t]) * torch.tanh(g[:, t]))
    row = {s: k for k, s in enumerate(sequences)}
    rows = [row[(t, steps)] for (t, _), (steps, _) in zip(chosen, where)]
    steps_at = [pos for _, pos in where]
    return (torch.stack([x[r, p] for r, p in zip(rows, steps_at)]),
            torch.stack([hh[r, p] for r, p in zip(rows, steps_at)]),
            torch.stack([c_before[p][r] for r, p in zip(rows, steps_at)]))


def _position(n: int, i: int, length: int) -> tuple[tuple[int, ...], int]:
    """The scoring sequence face i of an n-face track belongs to, and its step in it."""
    chunks = len(_sequences(n, length))
    return tuple(range(i % chunks, n, chunks)), i // chunks


def overlay(crop: np.ndarray, cam: np.ndarray, side: int = OVERLAY_SIDE) -> np.ndarray:
    """The crop (RGB uint8) at `side` px with the map over it: scaled to its own peak, a colour map whose
    opacity follows the map, so where the model did not look the face shows through unchanged."""
    face = cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA).astype(np.float32)
    peak = float(cam.max())
    heat = cam / peak if peak > 0 else np.zeros_like(cam)
    heat = F.interpolate(torch.from_numpy(heat)[None, None].float(), size=(side, side), mode="bilinear",
                         align_corners=False)[0, 0].clamp(0, 1).numpy()
    colours = cv2.cvtColor(cv2.applyColorMap((heat * 255).astype(np.uint8), cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)
    alpha = (OVERLAY_ALPHA * heat)[..., None]
    return (face * (1 - alpha) + colours.astype(np.float32) * alpha).round().clip(0, 255).astype(np.uint8)
