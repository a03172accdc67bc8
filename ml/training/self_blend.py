"""Self-blended images (Shiohara & Yamasaki, "Detecting Deepfakes with Self-Blended Images", CVPR 2022):
pseudo-fakes made from real faces.

A real crop is slightly transformed (colour: hue, saturation, brightness, contrast; scale and position
about the face; sharpness) and blended back into itself through a soft mask of the face region, so the
result shows what every face swap leaves, a blending boundary and a colour or sharpness mismatch, and
nothing of any one swap method. A sequence is blended with one draw of the parameters (and one mask
deformation), so nothing flickers from frame to frame that a real swap would not show.

The mask: an ellipse of the face, from MTCNN's five landmarks where the face cache holds them (the
eyes, nose and mouth corners extrapolated to the cheeks, brow and chin: their convex hull alone is far
smaller than the face a swap replaces), else inscribed in the face box; elastically deformed, blurred,
and zero outside the face box. Pixels where the mask is zero are returned bit-identical.

No denser landmark model is used (checked 2026-12-06, docs/training.md): mediapipe 1.2.3's wheel holds
no model (its face landmarker's .task file is downloaded); face-alignment and insightface download
theirs; dlib's 68-point predictor ships only in face-recognition-models, a 100 MB source package that
needs dlib built or dlib-bin, and its iBUG 300-W training data is licensed for non-commercial use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in crop pixels


@dataclass(frozen=True)
class FaceRegion:
    """Where the face is in one crop, in the crop's pixels."""

    box: Box
    landmarks: np.ndarray | None = None  # (5, 2): left eye, right eye, nose, left and right mouth corner


@dataclass(frozen=True)
class BlendParams:
    """One draw for a whole sequence."""

    hue: float  # OpenCV hue units (0..180 a turn)
    saturation: float  # factor
    brightness: float  # factor
    contrast: float  # factor about the mean
    scale: float  # about the face centre
    shift: tuple[float, float]  # fraction of the crop side
    sharpness: float  # < 0: Gaussian blur of that sigma; > 0: unsharp mask of that amount
    ellipse: float  # the ellipse's axes, relative to the face's
    elastic_seed: int  # the mask's deformation field
    elastic: float  # displacement, fraction of the crop side
    blur: float  # the mask's Gaussian sigma, fraction of the crop side
    ratio: float  # the mask's peak (SBI lowers it at random for subtler blends)


def draw_params(rng: np.random.Generator) -> BlendParams:
    """Mild on purpose (SBI's ranges): a pseudo-fake should be hard to tell from its real."""
    sharp = rng.uniform(0.3, 1.0) if rng.random() < 0.5 else -rng.uniform(0.5, 1.5)
    return BlendParams(
        hue=rng.uniform(-5, 5), saturation=rng.uniform(0.85, 1.15), brightness=rng.uniform(0.85, 1.15),
        contrast=rng.uniform(0.85, 1.15), scale=rng.uniform(0.95, 1.05),
        shift=(rng.uniform(-0.03, 0.03), rng.uniform(-0.03, 0.03)), sharpness=sharp,
        ellipse=rng.uniform(0.8, 1.0), elastic_seed=int(rng.integers(2**31)), elastic=rng.uniform(0.01, 0.04),
        blur=rng.uniform(0.015, 0.04), ratio=float(rng.choice([0.5, 0.75, 1.0, 1.0, 1.0])),
    )


def blend_sequence(crops: Sequence[np.ndarray], regions: Sequence[FaceRegion], rng: np.random.Generator) -> list[np.ndarray]:
    """Each crop (RGB uint8, square) self-blended with one parameter draw for the sequence."""
    params = draw_params(rng)
    return [self_blend(crop, face_mask(crop.shape[0], region, params), region, params)
            for crop, region in zip(crops, regions)]


def self_blend(crop: np.ndarray, mask: np.ndarray, region: FaceRegion, params: BlendParams) -> np.ndarray:
    """`crop` with its transformed self blended in through `mask` (HxW in 0..1); bit-identical where
    the mask is 0."""
    source = _sharpen(_recolour(_move(crop, region.box, params), params), params.sharpness)
    m = mask[..., None]
    blended = np.clip(np.rint(source.astype(np.float32) * m + crop.astype(np.float32) * (1 - m)), 0, 255)
    return np.where(m > 0, blended.astype(np.uint8), crop)


def face_mask(side: int, region: FaceRegion, params: BlendParams) -> np.ndarray:
    """The soft face mask (side x side, float32 in 0..1), zero outside the face box. The ellipse is cut to
    the box shrunk by what deformation and blur spread, so its edge is soft everywhere, the box's too."""
    hard = np.zeros((side, side), np.float32)
    sigma = max(params.blur * side, 0.5)
    spread = params.elastic * side + 2 * sigma
    x1, y1, x2, y2 = region.box
    inner = (x1 + spread, y1 + spread, x2 - spread, y2 - spread)
    (cx, cy), axes, angle = _ellipse(region)
    # Fitted into the inner box: no larger than it, moved inside it (the cut below then only trims a
    # rolled ellipse's corners).
    a = max(1.0, min(axes[0] * params.ellipse, (inner[2] - inner[0]) / 2))
    b = max(1.0, min(axes[1] * params.ellipse, (inner[3] - inner[1]) / 2))
    cx, cy = np.clip(cx, inner[0] + a, inner[2] - a), np.clip(cy, inner[1] + b, inner[3] - b)
    cv2.ellipse(hard, (int(round(cx)), int(round(cy))), (int(round(a)), int(round(b))), angle, 0, 360, 1.0, -1)
    hard *= _box_indicator(side, inner)
    soft = _deform(hard, params.elastic_seed, params.elastic * side)
    soft = cv2.GaussianBlur(soft, (0, 0), sigma)
    soft = np.clip(soft / max(float(soft.max()), 1e-6), 0, 1) * params.ratio
    return soft * _box_indicator(side, region.box)


def _ellipse(region: FaceRegion) -> tuple[tuple[float, float], tuple[float, float], float]:
    """(centre, half-axes, angle in degrees) of the face."""
    x1, y1, x2, y2 = region.box
    if region.landmarks is None:
        # MTCNN's box runs from the brow to the chin and about ear to ear: inscribe the ellipse.
        return ((x1 + x2) / 2, (y1 + y2) / 2), ((x2 - x1) / 2, (y2 - y1) / 2), 0.0
    p = np.asarray(region.landmarks, np.float64)
    eyes, mouth = (p[0] + p[1]) / 2, (p[3] + p[4]) / 2
    iod = max(float(np.linalg.norm(p[1] - p[0])), 1.0)
    eye_mouth = max(float(np.linalg.norm(mouth - eyes)), 1.0)
    # The cheeks, brow and chin around the five points: about 1.9 eye distances wide and 2.5 eye-to-mouth
    # distances high (what MTCNN's box spans on the sample's faces), centred a little below the midpoint
    # of eyes and mouth.
    centre = eyes + (mouth - eyes) * 0.6
    angle = float(np.degrees(np.arctan2(p[1][1] - p[0][1], p[1][0] - p[0][0])))
    return (float(centre[0]), float(centre[1])), (0.95 * iod, 1.25 * eye_mouth), angle


def _deform(mask: np.ndarray, seed: int, amount: float) -> np.ndarray:
    """Elastic deformation: a smooth random displacement field (the same for every crop of a sequence)."""
    side = mask.shape[0]
    rng = np.random.default_rng(seed)
    smooth = max(side / 16, 1.0)
    dx, dy = (cv2.GaussianBlur(rng.uniform(-1, 1, mask.shape).astype(np.float32), (0, 0), smooth) for _ in range(2))
    dx, dy = (d / max(float(np.abs(d).max()), 1e-6) * amount for d in (dx, dy))
    grid_x, grid_y = np.meshgrid(np.arange(side, dtype=np.float32), np.arange(side, dtype=np.float32))
    return cv2.remap(mask, grid_x + dx, grid_y + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def _box_indicator(side: int, box: Box) -> np.ndarray:
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    out = np.zeros((side, side), np.float32)
    out[max(y1, 0) : max(min(y2, side), 0), max(x1, 0) : max(min(x2, side), 0)] = 1.0
    return out


def _move(crop: np.ndarray, box: Box, params: BlendParams) -> np.ndarray:
    side = crop.shape[0]
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    m = cv2.getRotationMatrix2D((cx, cy), 0.0, params.scale)
    m[:, 2] += np.array(params.shift) * side
    return cv2.warpAffine(crop, m, (side, crop.shape[1]), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _recolour(crop: np.ndarray, params: BlendParams) -> np.ndarray:
    hsv = cv2.cvtColor(crop, cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 0] = np.mod(hsv[..., 0] + params.hue, 180)
    hsv[..., 1] *= params.saturation
    hsv[..., 2] *= params.brightness
    rgb = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
    mean = rgb.mean(axis=(0, 1), keepdims=True)
    return np.clip((rgb - mean) * params.contrast + mean, 0, 255).astype(np.uint8)


def _sharpen(crop: np.ndarray, amount: float) -> np.ndarray:
    if amount < 0:
        return cv2.GaussianBlur(crop, (0, 0), -amount)
    blurred = cv2.GaussianBlur(crop, (0, 0), 1.0).astype(np.float32)
    return np.clip(crop.astype(np.float32) * (1 + amount) - blurred * amount, 0, 255).astype(np.uint8)
