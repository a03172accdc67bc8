"""ml/media/mtcnn.py finds exactly the faces facenet-pytorch's MTCNN finds, box for box, only faster."""

import csv
from pathlib import Path

import numpy as np
import pytest
import torch
from facenet_pytorch import MTCNN
from skimage import data
from torch.nn.functional import interpolate

from ml.media.faces import MTCNN_MIN_FACE
from ml.media.mtcnn import Chunks, MtcnnStages, _crops, pyramid, summed_area_table
from ml.media.video import probe, sample_frames

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared/data/ffpp-sample"


@pytest.fixture(scope="module")
def reference():
    """facenet-pytorch's own MTCNN, configured as ml.media.faces configures it."""
    return MTCNN(keep_all=True, min_face_size=MTCNN_MIN_FACE, post_process=False)


@pytest.fixture(scope="module")
def stages():
    # A separate MTCNN: MtcnnStages puts the networks in channels_last, the reference keeps its own.
    return MtcnnStages(MTCNN(keep_all=True, min_face_size=MTCNN_MIN_FACE, post_process=False))


def _astronaut_scenes() -> np.ndarray:
    """Four 360x640 RGB frames: the astronaut whole, her face cut by the left and top edges, two
    small copies, and textured noise (hundreds of first-stage candidates, few or no faces)."""
    rng = np.random.default_rng(0)
    photo = data.astronaut()  # 512x512 RGB
    frames = np.full((4, 360, 640, 3), (100, 110, 90), np.uint8)
    frames[0, :, 100:460] = photo[:360, 76:436]
    frames[1, :300, :300] = photo[40:340, 200:500]  # the face runs off the left and top edges
    small = photo[::3, ::3]  # 171x171: faces of about 40 px
    frames[2, 20:191, 30:201] = small
    frames[2, 150:321, 400:571] = small
    frames[3] = rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)
    frames[3, 100:271, 200:371] = small
    return frames


def _assert_same(expected, got):
    (ref_boxes, ref_probs), (boxes, probs) = expected, got
    assert len(ref_boxes) == len(boxes)
    for rb, rp, b, p in zip(ref_boxes, ref_probs, boxes, probs):
        if rb is None:
            assert b is None and list(p) == [None]
            continue
        assert b is not None and b.shape == rb.shape
        np.testing.assert_allclose(b, np.asarray(rb, float), atol=1e-3)  # pixels
        np.testing.assert_allclose(np.asarray(p, float), np.asarray(rp, float), atol=1e-5)


def test_the_same_boxes_and_probabilities_as_facenets_mtcnn(reference, stages):
    frames = _astronaut_scenes()
    expected = reference.detect(frames)
    _assert_same(expected, stages.detect(frames))
    counts = [0 if b is None else len(b) for b in expected[0]]
    assert counts[0] == 1 and counts[1] >= 1 and counts[2] == 2  # the scenes do hold faces


@pytest.mark.parametrize("chunks", [Chunks(1, 1, 1), Chunks(200_000, 7, 3)], ids=["one-by-one", "uneven"])
def test_the_networks_give_the_same_boxes_whatever_they_are_chunked_by(chunks):
    frames = _astronaut_scenes()
    whole = MtcnnStages(MTCNN(keep_all=True, min_face_size=MTCNN_MIN_FACE, post_process=False))
    whole.chunks = Chunks(1 << 62, 1 << 30, 1 << 30)  # every level's images and every stage's crops at once
    chunked = MtcnnStages(MTCNN(keep_all=True, min_face_size=MTCNN_MIN_FACE, post_process=False))
    chunked.chunks = chunks
    expected, got = whole.detect(frames), chunked.detect(frames)
    assert sum(b is not None for b in got[0]) >= 3
    _assert_same(expected, got)  # to float rounding: oneDNN may pick another kernel for another batch size


def test_largest_face_first_as_facenet_lists_them(stages):
    frame = _astronaut_scenes()[2:3].copy()
    frame[0, 150:321, 400:571] = data.astronaut()[:171 * 2:2, :171 * 2:2][:171, :171]  # a bigger face
    boxes, _ = stages.detect(frame)
    areas = [(b[2] - b[0]) * (b[3] - b[1]) for b in boxes[0]]
    assert len(areas) >= 2 and areas == sorted(areas, reverse=True)  # one face would be sorted anyway


def test_a_frame_without_faces_gives_none_as_facenet_does(reference, stages):
    blank = np.full((2, 240, 320, 3), 128, np.uint8)
    _assert_same(reference.detect(blank), stages.detect(blank))


def test_float_frames_on_the_device_path_find_the_same_faces(stages):
    """A GPU gets its frames as float tensors (downscaled there); the summed-area table is then built
    by torch in float64. Same input values, same boxes."""
    frames = _astronaut_scenes()
    _assert_same(stages.detect(frames), stages.detect(torch.from_numpy(frames).float()))


def test_crops_equal_torchs_area_resize_of_each_box(stages):
    """Boxes of every kind: larger and smaller than the output (down- and upsampling), odd sizes, and
    clipped by each edge, as facenet clips them."""
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 256, (2, 90, 160, 3), dtype=np.uint8)
    imgs = torch.from_numpy(frames).permute(0, 3, 1, 2).float()
    boxes = torch.tensor([[10, 10, 60, 60], [0, 0, 7, 7], [-20, 40, 33, 100], [150, -5, 170, 30],
                          [3.7, 5.2, 29.9, 31.1], [100, 20, 150, 89]], dtype=torch.float32)
    boxes = torch.cat([boxes, torch.ones(len(boxes), 1)], dim=1)
    image_inds = torch.tensor([0, 1, 0, 1, 0, 1])
    for size in (24, 48):
        crops, kept, _ = _crops(summed_area_table(frames, torch.device("cpu")), boxes, image_inds, size)
        assert len(kept) == len(boxes)
        for k, (x1, y1, x2, y2, _) in enumerate(boxes.trunc().int().tolist()):
            x1, y1, x2, y2 = max(x1, 1), max(y1, 1), min(x2, 160), min(y2, 90)
            want = interpolate(imgs[image_inds[k], :, y1 - 1 : y2, x1 - 1 : x2][None], size=(size, size), mode="area")
            torch.testing.assert_close(crops[k], ((want - 127.5) * 0.0078125)[0], atol=1e-5, rtol=0)


@pytest.mark.parametrize("shape", [(360, 640), (480, 640), (101, 77)])
def test_pyramid_levels_equal_torchs_area_resize_of_the_frame(stages, shape):
    """Every level facenet would make (down to 12 px), on 8-bit frames and on the GPU path's floats."""
    frames = np.random.default_rng(2).integers(0, 256, (2, *shape, 3), dtype=np.uint8)
    imgs = torch.from_numpy(frames).permute(0, 3, 1, 2).float()
    sizes = [(int(shape[0] * s + 1), int(shape[1] * s + 1)) for s in stages._scales(*shape)]
    for source in (frames, torch.from_numpy(frames).float()):
        levels = pyramid(summed_area_table(source, torch.device("cpu")), sizes)
        assert [tuple(level.shape[2:]) for level in levels] == sizes
        for level, size in zip(levels, sizes):
            want = (interpolate(imgs, size=size, mode="area") - 127.5) * 0.0078125
            assert level.is_contiguous(memory_format=torch.channels_last)
            torch.testing.assert_close(level, want, atol=1e-6, rtol=0)  # a float32 ulp of the mean at most


def test_a_box_wholly_outside_the_frame_is_dropped_not_a_crash():
    frames = np.zeros((1, 50, 50, 3), np.uint8)
    boxes = torch.tensor([[60.0, 60.0, 80.0, 80.0, 0.9], [5.0, 5.0, 20.0, 20.0, 0.8]])
    crops, kept, inds = _crops(summed_area_table(frames, torch.device("cpu")), boxes, torch.tensor([0, 0]), 24)
    assert crops.shape == (1, 3, 24, 24) and kept[:, 4].tolist() == pytest.approx([0.8]) and inds.tolist() == [0]


def _sample_batches():
    if not (SAMPLE / "manifest.csv").is_file():
        return []
    with (SAMPLE / "manifest.csv").open() as f:
        rows = list(csv.DictReader(f))
    first = {}
    for row in rows:
        first.setdefault(int(row["height"]), row)  # one clip per resolution: 480p, 720p, 1080p
    return [first[h] for h in sorted(first)]


@pytest.mark.parametrize("row", _sample_batches(), ids=lambda r: f"{r['height']}p")
def test_real_clips_give_facenets_boxes(row, reference, stages, face_detector):
    path = SAMPLE / row["file"]
    frames = [rgb for _, _, rgb in sample_frames(path, 4, info=probe(path))]
    scale = face_detector.scale_for(frames[0].shape)
    batch = np.stack([face_detector.prepare(f, scale) for f in frames])
    expected = reference.detect(batch)
    assert any(b is not None for b in expected[0])
    _assert_same(expected, stages.detect(batch))
