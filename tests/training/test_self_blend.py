"""Self-blended pseudo-fakes: a real crop changed only inside a soft face mask, the same for a seed, the
mask inside the face box; the face region comes from the cache (landmarks where kept, else the box)."""

import numpy as np
import pytest

from ml.training.face_cache import CacheEntry, read_entry, write_entry
from ml.training.self_blend import (
    FaceRegion,
    blend_sequence,
    draw_params,
    face_mask,
    self_blend,
)

SIDE = 96
BOX = (24.0, 20.0, 72.0, 80.0)
LANDMARKS = np.array([[38, 40], [58, 40], [48, 52], [40, 64], [56, 64]], np.float64)


def crop(seed=0):
    rng = np.random.default_rng(seed)
    base = np.linspace(0, 255, SIDE * SIDE * 3).reshape(SIDE, SIDE, 3)
    return np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("landmarks", [None, LANDMARKS])
def test_it_changes_pixels_only_inside_the_mask(landmarks):
    region = FaceRegion(BOX, landmarks)
    params = draw_params(np.random.default_rng(3))
    mask = face_mask(SIDE, region, params)
    original = crop()
    out = self_blend(original, mask, region, params)
    outside = mask == 0
    assert np.array_equal(out[outside], original[outside])  # bit-identical outside
    assert (out[~outside] != original[~outside]).any()  # and something changed inside


@pytest.mark.parametrize("landmarks", [None, LANDMARKS])
def test_the_mask_lies_inside_the_face_box_and_is_soft(landmarks):
    for seed in range(5):
        mask = face_mask(SIDE, FaceRegion(BOX, landmarks), draw_params(np.random.default_rng(seed)))
        x1, y1, x2, y2 = (int(v) for v in BOX)
        inside = np.zeros_like(mask, bool)
        inside[y1:y2, x1:x2] = True
        assert mask[~inside].max() == 0 and mask.max() > 0.4
        assert 0 < ((mask > 0) & (mask < mask.max())).sum()  # a blurred edge, not a hard cut
        assert mask.min() >= 0 and mask.max() <= 1


def test_it_is_the_same_for_a_seed_and_differs_for_another():
    crops, regions = [crop(k) for k in range(3)], [FaceRegion(BOX)] * 3
    first = blend_sequence(crops, regions, np.random.default_rng(7))
    again = blend_sequence(crops, regions, np.random.default_rng(7))
    other = blend_sequence(crops, regions, np.random.default_rng(8))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))


def test_a_sequence_shares_one_mask_and_one_transform():
    same = [crop(0)] * 4
    out = blend_sequence(same, [FaceRegion(BOX)] * 4, np.random.default_rng(1))
    assert all(np.array_equal(out[0], o) for o in out[1:])  # identical crops stay identical: nothing flickers


def test_the_cache_keeps_landmarks_and_reads_entries_without_them(tmp_path):
    base = dict(jpegs=[b"\xff\xd8x"], track=np.zeros(1, np.int32), frame_index=np.zeros(1, np.int64),
                timestamp=np.zeros(1, np.float32), box=np.array([[1, 2, 3, 4]], np.float32), meta={"status": "ok"})
    write_entry(tmp_path / "old.npz", CacheEntry(**base))
    write_entry(tmp_path / "new.npz", CacheEntry(**base, landmarks=LANDMARKS[None].astype(np.float32)))
    assert read_entry(tmp_path / "old.npz").landmarks is None
    assert np.allclose(read_entry(tmp_path / "new.npz").landmarks, LANDMARKS[None])
