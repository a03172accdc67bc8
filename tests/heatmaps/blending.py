"""License-clean faces for the heatmap sanity checks: scikit-image's astronaut cut by our own MTCNN, and
self-blended fakes (Shiohara & Yamasaki's idea, simply): the face, slightly changed in colour and scale,
blended into itself through a soft ellipse, so the tampered region is known exactly."""

from __future__ import annotations

import cv2
import numpy as np


def astronaut_faces(detector_settings, n: int = 8) -> list[np.ndarray]:
    """n crops of the astronaut's face as the pipeline cuts them, from slightly shifted frames."""
    from skimage import data

    from ml.media.faces import FaceDetector

    faces = FaceDetector.from_settings(detector_settings, "cpu")
    image = data.astronaut()
    crops = []
    for k in range(n):
        frame = np.ascontiguousarray(np.roll(image, (3 * k, -4 * k), axis=(0, 1)))
        scale = faces.scale_for(frame.shape, None)
        found = faces.detect_prepared([faces.prepare(frame, scale)], scale)[0]
        crops.append(faces.crop_faces(frame, found[:1])[0])
    return crops


def elliptical_mask(side: int, rng: np.random.Generator) -> np.ndarray:
    """A soft ellipse (0..1) over the middle of a face crop, its size and place drawn a little at random."""
    mask = np.zeros((side, side), np.float32)
    centre = (int(side * rng.uniform(0.45, 0.55)), int(side * rng.uniform(0.5, 0.58)))
    axes = (int(side * rng.uniform(0.22, 0.28)), int(side * rng.uniform(0.28, 0.34)))
    cv2.ellipse(mask, centre, axes, 0, 0, 360, 1.0, -1)
    return cv2.GaussianBlur(mask, (0, 0), side * 0.04)


def self_blend(face: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The face blended into itself through `mask`: the source slightly recoloured and rescaled."""
    side = face.shape[0]
    source = face.astype(np.float32) * rng.uniform(0.85, 1.15, size=3) + rng.uniform(-20, 20, size=3)
    zoom = rng.uniform(1.03, 1.08)
    warp = cv2.getRotationMatrix2D((side / 2, side / 2), 0, zoom)
    source = cv2.warpAffine(source, warp, (side, side), borderMode=cv2.BORDER_REFLECT)
    blended = source * mask[..., None] + face.astype(np.float32) * (1 - mask[..., None])
    return blended.round().clip(0, 255).astype(np.uint8)
