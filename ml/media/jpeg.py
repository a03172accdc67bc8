"""Face crops to and from JPEG (RGB uint8 arrays), one place for the result crops and the cache."""

from __future__ import annotations

import cv2
import numpy as np


def encode_jpeg(rgb: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("Could not encode a face crop as JPEG.")
    return buf.tobytes()


def decode_jpegs(jpegs: list[bytes]) -> np.ndarray:
    """(N, S, S, 3) RGB uint8."""
    return np.stack([cv2.cvtColor(cv2.imdecode(np.frombuffer(b, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
                     for b in jpegs])
