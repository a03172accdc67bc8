"""Face detection (MTCNN, in batches, on downscaled frames; ml/media/mtcnn.py runs its stages), square
crops, and tracks across frames.

MTCNN's weights ship inside the facenet-pytorch wheel, so nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields

import cv2
import numpy as np
import torch

from ml.media.mtcnn import MtcnnStages

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in full-resolution pixels
# MTCNN's smallest face, in detection pixels. An image whose shorter side is below it gets no scale in
# MTCNN's pyramid, and facenet-pytorch then crashes on an empty list (torch.cat) instead of finding
# nothing; no face can fit in it anyway.
MTCNN_MIN_FACE = 20
# MTCNN's finest pyramid level is half of P-net's work and only adds faces of 20-28 detection pixels
# (60-85 px in a 1080p frame). "fallback" runs it only on frames where the coarser levels found no
# face; "always" runs it on every frame, as facenet-pytorch does.
FINEST_LEVEL_MODES = ("fallback", "always")

# The face defaults, written once: FaceSettings and FaceDetector both start from them. CROP_SIZE is the
# serving crop a checkpoint gets when it records no face settings (random detectors, format 1); training
# cuts its cache at ml.training.face_cache.TRAINING_CROP_SIZE and records that in its checkpoint.
CROP_SIZE = 112
MARGIN = 0.3  # share of the face box added around it
DETECT_MAX_SIDE = 640
MIN_PROBABILITY = 0.9
MIN_FACE_SIZE = 24
FINEST_LEVEL = "fallback"


def _check_finest_level(mode: str) -> str:
    if mode not in FINEST_LEVEL_MODES:
        raise ValueError(f"finest_level must be one of {FINEST_LEVEL_MODES}, not {mode!r}")
    return mode


@dataclass(frozen=True)
class FaceSettings:
    """How faces are found and cut. A checkpoint records these (preprocessing["faces"]) and the
    pipeline builds its FaceDetector from them, so serving cuts faces exactly as training did."""

    crop_size: int = CROP_SIZE  # crops are cut at this size; the model's preset then resizes to its input
    margin: float = MARGIN  # share of the face box added around it
    detect_max_side: int = DETECT_MAX_SIDE  # frames are downscaled to this for MTCNN; crops come from full size
    min_probability: float = MIN_PROBABILITY
    min_face_size: int = MIN_FACE_SIZE  # in full-resolution pixels
    finest_level: str = FINEST_LEVEL  # see FINEST_LEVEL_MODES

    def __post_init__(self):
        _check_finest_level(self.finest_level)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "FaceSettings":
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})


@dataclass(frozen=True)
class Detection:
    box: Box
    probability: float
    # MTCNN's five points (left eye, right eye, nose, mouth corners) as ((x, y), ...) in full-resolution
    # pixels; kept in the training cache for self-blending's face masks (ml/training/self_blend.py).
    landmarks: tuple | None = field(default=None, compare=False)


@dataclass
class Face:
    """A detected face in one sampled frame, with its crop (RGB, crop_size x crop_size)."""

    frame_pos: int  # position among the sampled frames
    frame_index: int
    timestamp_s: float
    box: Box
    probability: float
    crop: np.ndarray = field(repr=False)
    landmarks: tuple | None = field(default=None, repr=False)  # as Detection.landmarks


@dataclass
class Track:
    id: int
    faces: list[Face] = field(default_factory=list)


class FaceDetector:
    """Holds one MTCNN; construct once per process and device (loading costs ~20 ms, but GPU init
    and MTCNN's first run do not)."""

    def __init__(
        self,
        device: str | torch.device = "cpu",
        *,
        min_probability: float = MIN_PROBABILITY,
        min_face_size: int = MIN_FACE_SIZE,
        margin: float = MARGIN,
        crop_size: int = CROP_SIZE,
        detect_max_side: int = DETECT_MAX_SIDE,
        batch_size: int | None = None,
        downscale_on_device: bool | None = None,
        finest_level: str = FINEST_LEVEL,
    ):
        from facenet_pytorch import MTCNN

        self.device = torch.device(device)
        # MTCNN's own minimum is in detection pixels; ours (min_face_size) is in full-resolution ones.
        self.mtcnn = MTCNN(keep_all=True, device=self.device, min_face_size=MTCNN_MIN_FACE, post_process=False)
        self.stages = MtcnnStages(self.mtcnn)  # MTCNN's own boxes, without its per-box Python loop
        self.min_probability = min_probability
        self.min_face_size = min_face_size
        self.margin = margin
        self.crop_size = crop_size
        self.detect_max_side = detect_max_side
        self.finest_level = _check_finest_level(finest_level)
        # On a CPU, MTCNN runs fastest a few frames at a time (measured: 20 frames of 640x360 take
        # 0.54 s in batches of 4 and 0.74 s in one of 16); a GPU wants large batches.
        self.batch_size = batch_size or (4 if self.device.type == "cpu" else 32)
        # On a GPU the full frame is uploaded and downscaled there; on a CPU OpenCV's INTER_AREA does it.
        self.downscale_on_device = self.device.type == "cuda" if downscale_on_device is None else downscale_on_device

    @classmethod
    def from_settings(cls, settings: FaceSettings, device: str | torch.device = "cpu",
                      batch_size: int | None = None) -> "FaceDetector":
        return cls(device, min_probability=settings.min_probability, min_face_size=settings.min_face_size,
                   margin=settings.margin, crop_size=settings.crop_size, detect_max_side=settings.detect_max_side,
                   batch_size=batch_size, finest_level=settings.finest_level)

    @property
    def settings(self) -> FaceSettings:
        return FaceSettings(self.crop_size, self.margin, self.detect_max_side, self.min_probability, self.min_face_size,
                            self.finest_level)

    def detect(self, images: Sequence[np.ndarray], max_side: int | None = None) -> list[list[Detection]]:
        """Faces in each RGB image (all the same size), boxes in full-resolution pixels."""
        if not len(images):
            return []
        scale = self.scale_for(images[0].shape, max_side)
        return self.detect_prepared([self.prepare(img, scale) for img in images], scale)

    def scale_for(self, shape, max_side: int | None = None) -> float:
        """The factor a frame of this shape is downscaled by for MTCNN (never above 1: upscaling only
        costs time)."""
        return min(1.0, (max_side or self.detect_max_side) / max(shape[:2]))

    def prepare(self, image: np.ndarray, scale: float) -> np.ndarray:
        """What `detect_prepared` takes: the downscaled frame, or the frame itself when the GPU
        downscales. Split from detection so a decoding thread can do it while MTCNN runs."""
        return image if self.downscale_on_device else _downscale(image, scale)

    def detect_prepared(self, prepared: Sequence[np.ndarray], scale: float,
                        batch_size: int | None = None) -> list[list[Detection]]:
        """Faces in frames that went through `prepare(.., scale)`, all the same size, in batches."""
        batch_size = batch_size or self.batch_size
        if not len(prepared):
            return []
        small_side = min(prepared[0].shape[:2]) * (scale if self.downscale_on_device else 1.0)
        if small_side < MTCNN_MIN_FACE:
            return [[] for _ in prepared]  # too small for any face (a 1x1 video): none found, not a crash
        out: list[list[Detection]] = []
        for start in range(0, len(prepared), batch_size):
            out.extend(self._detect_batch(prepared[start : start + batch_size], scale))
        return out

    def _detect_batch(self, frames: Sequence[np.ndarray], scale: float) -> list[list[Detection]]:
        first_level = 1 if self.finest_level == "fallback" else 0
        found = self._run_stages(frames, scale, first_level)
        bare = [i for i, faces in enumerate(found) if not faces]
        if first_level and bare:
            # Every level on the frames with no face yet: their faces are exactly MTCNN's own, since
            # each image's boxes depend on that image alone.
            for i, faces in zip(bare, self._run_stages([frames[i] for i in bare], scale, 0)):
                found[i] = faces
        return found

    def _run_stages(self, frames: Sequence[np.ndarray], scale: float, first_level: int) -> list[list[Detection]]:
        boxes, probs, points = self.stages.detect_with_landmarks(self._mtcnn_input(frames, scale), first_level)
        return [self._keep(b, p, scale, lm) for b, p, lm in zip(boxes, probs, points)]

    def _mtcnn_input(self, frames: Sequence[np.ndarray], scale: float):
        if not self.downscale_on_device:
            return np.stack(frames)
        return downscale_on(self.device, frames, scale)

    def crop_faces(self, image: np.ndarray, detections: Sequence[Detection]) -> list[np.ndarray]:
        return [crop_square(image, d.box, self.margin, self.crop_size) for d in detections]

    def _keep(self, boxes, probs, scale: float, points=None) -> list[Detection]:
        if boxes is None:
            return []
        kept = []
        for k, (box, prob) in enumerate(zip(boxes, probs)):
            full = tuple(float(v) / scale for v in box)
            side = min(full[2] - full[0], full[3] - full[1])
            if prob is not None and prob >= self.min_probability and side >= self.min_face_size:
                landmarks = None if points is None else tuple(tuple(float(v) / scale for v in p) for p in points[k])
                kept.append(Detection(full, float(prob), landmarks))
        return kept


def crop_square(image: np.ndarray, box: Box, margin: float = MARGIN, size: int = CROP_SIZE) -> np.ndarray:
    """A square crop around `box` enlarged by `margin` of its size, shifted (never squashed) to stay
    inside the image, resized to size x size."""
    h, w = image.shape[:2]
    left, top, side = square_region(box, margin, w, h)
    crop = image[top : top + side, left : left + side]
    interp = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    return np.ascontiguousarray(cv2.resize(crop, (size, size), interpolation=interp))


def square_region(box: Box, margin: float, width: int, height: int) -> tuple[int, int, int]:
    """(left, top, side) of the square `crop_square` cuts from a width x height frame, in its pixels
    (training maps a face's box and landmarks into its crop with it)."""
    x1, y1, x2, y2 = box
    side = min(max(x2 - x1, y2 - y1) * (1 + margin), width, height)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    left = int(round(min(max(cx - side / 2, 0), width - side)))
    top = int(round(min(max(cy - side / 2, 0), height - side)))
    return left, top, max(int(round(side)), 1)


def build_tracks(faces: Sequence[Face], frame_size: tuple[int, int], max_distance: float = 0.15) -> list[Track]:
    """Link faces across sampled frames, greedily, nearest centres first.

    Distances are in normalised coordinates (fraction of frame width/height), so the same rule works
    at any resolution. A face joins the track whose last face is nearest, if nearer than
    `max_distance` or overlapping it (IoU > 0.3); tracks survive frames where their face was missed.
    """
    tracks: list[Track] = []
    by_frame: dict[int, list[Face]] = {}
    for face in faces:
        by_frame.setdefault(face.frame_pos, []).append(face)
    for pos in sorted(by_frame):
        _extend_tracks(tracks, by_frame[pos], frame_size, max_distance)
    return tracks


def _extend_tracks(tracks: list[Track], faces: list[Face], frame_size, max_distance: float) -> None:
    pairs = sorted(
        (_centre_distance(t.faces[-1].box, f.box, frame_size), ti, fi)
        for ti, t in enumerate(tracks)
        for fi, f in enumerate(faces)
    )
    used_tracks, used_faces = set(), set()
    for dist, ti, fi in pairs:
        if ti in used_tracks or fi in used_faces:
            continue
        if dist < max_distance or box_iou(tracks[ti].faces[-1].box, faces[fi].box) > 0.3:
            tracks[ti].faces.append(faces[fi])
            used_tracks.add(ti)
            used_faces.add(fi)
    for fi, face in enumerate(faces):
        if fi not in used_faces:
            tracks.append(Track(id=len(tracks), faces=[face]))


def _centre_distance(a: Box, b: Box, frame_size: tuple[int, int]) -> float:
    w, h = frame_size
    dx = ((a[0] + a[2]) - (b[0] + b[2])) / (2 * w)
    dy = ((a[1] + a[3]) - (b[1] + b[3])) / (2 * h)
    return float(np.hypot(dx, dy))


def box_iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def downscale_on(device: torch.device, frames: Sequence[np.ndarray], scale: float) -> torch.Tensor:
    """Upload full frames and area-downscale them on `device`, as MTCNN's NHWC input. The result is
    rounded to whole levels, as an 8-bit frame downscaled by OpenCV would be: the thresholds MTCNN
    was tuned with expect such input."""
    batch = torch.from_numpy(np.stack(frames)).to(device, non_blocking=True).permute(0, 3, 1, 2).float()
    if scale < 1.0:
        h, w = frames[0].shape[:2]
        batch = torch.nn.functional.interpolate(batch, size=(round(h * scale), round(w * scale)), mode="area")
    # floor(x + 0.5): half up, as OpenCV rounds (torch.round takes halves to even, which moved boxes).
    return batch.add_(0.5).floor_().clamp_(0, 255).permute(0, 2, 3, 1)


def _downscale(image: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return image
    h, w = image.shape[:2]
    return cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
