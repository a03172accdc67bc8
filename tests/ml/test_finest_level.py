"""MTCNN's finest pyramid level runs only on frames where the coarser levels found no face
(FaceSettings.finest_level = "fallback"): the same faces as the full pyramid, except a face of ~30 px
in a 1080p frame that also holds a larger one."""

import cv2
import numpy as np
import pytest
from skimage import data

from ml.media.faces import FaceDetector, FaceSettings, box_iou


def _scene(*faces: tuple[int, int, int]) -> np.ndarray:
    """A 1080p frame holding the astronaut's photo at each (side, top, left); MTCNN sees it at 640x360."""
    frame = np.full((1080, 1920, 3), (100, 110, 90), np.uint8)
    for side, top, left in faces:
        frame[top : top + side, left : left + side] = cv2.resize(data.astronaut(), (side, side),
                                                                   interpolation=cv2.INTER_AREA)
    return frame


TINY = (210, 600, 1350)  # her face is ~35 px here, ~12 px at detection size: only the finest level finds it
LARGE = (900, 100, 200)


@pytest.fixture(scope="module")
def detectors():
    return FaceDetector("cpu", finest_level="fallback"), FaceDetector("cpu", finest_level="always")


def _boxes(detections):
    return [[np.round(d.box, 3).tolist() for d in frame] for frame in detections]


def test_large_faces_are_found_as_the_full_pyramid_finds_them(detectors):
    fallback, always = detectors
    frames = [_scene(LARGE), _scene((500, 300, 1000))]
    assert _boxes(fallback.detect(frames)) == _boxes(always.detect(frames))


def test_faces_near_the_finest_levels_size_move_by_a_pixel_or_so(detectors):
    # Her face is ~80 px here (27 at detection size): the finest level's candidates nudge its
    # box (by up to 3 px of 58 here; 15 of 401 sample faces moved at all, mean IoU 0.996).
    fallback, always = detectors
    frame = _scene((360, 50, 50), (360, 600, 1400))
    got, expected = fallback.detect([frame])[0], always.detect([frame])[0]
    assert len(got) == len(expected) == 2
    assert all(max(box_iou(g.box, e.box) for g in got) > 0.85 for e in expected)


def test_a_frame_with_only_a_tiny_face_gets_the_full_pyramid(detectors):
    fallback, always = detectors
    frame = _scene(TINY)
    scale = fallback.scale_for(frame.shape)
    coarse = fallback.stages.detect(fallback.prepare(frame, scale)[None], first_level=1)
    assert coarse[0][0] is None  # the coarser levels alone miss her...
    found = fallback.detect([frame, _scene(LARGE)])
    assert _boxes(found) == _boxes(always.detect([frame, _scene(LARGE)]))  # ...the fallback finds her
    assert len(found[0]) == 1 and found[0][0].probability > 0.9


def test_a_tiny_face_beside_a_large_one_is_the_price(detectors):
    fallback, always = detectors
    frame = _scene(LARGE, TINY)
    assert len(always.detect([frame])[0]) == 2
    (only,) = fallback.detect([frame])[0]
    assert np.round(only.box, 3).tolist() == np.round(always.detect([frame])[0][0].box, 3).tolist()


def test_settings_carry_the_mode_and_old_checkpoints_get_the_fallback():
    assert FaceSettings.from_dict({"crop_size": 112}).finest_level == "fallback"
    settings = FaceSettings(finest_level="always")
    assert FaceDetector.from_settings(settings).settings == settings
    with pytest.raises(ValueError, match="finest_level"):
        FaceSettings(finest_level="sometimes")
