"""MTCNN's five landmarks reach the face cache (for self-blending's masks) exactly as facenet-pytorch
computes them."""

import numpy as np
from facenet_pytorch import MTCNN
from skimage import data

from ml.media.faces import MTCNN_MIN_FACE, FaceDetector
from ml.media.mtcnn import MtcnnStages


def scenes() -> np.ndarray:
    photo = data.astronaut()
    frames = np.full((2, 360, 640, 3), (100, 110, 90), np.uint8)
    frames[0, :, 100:460] = photo[:360, 76:436]
    small = photo[::3, ::3]
    frames[1, 20:191, 30:201] = small
    frames[1, 150:321, 400:571] = small
    return frames


def test_the_landmarks_are_facenets_own():
    frames = scenes()
    _, _, expected = MTCNN(keep_all=True, min_face_size=MTCNN_MIN_FACE, post_process=False).detect(frames, landmarks=True)
    _, _, got = MtcnnStages(MTCNN(keep_all=True, min_face_size=MTCNN_MIN_FACE, post_process=False)).detect_with_landmarks(frames)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, np.asarray(e, float), atol=1e-2)


def test_detections_carry_landmarks_in_full_resolution_pixels_inside_the_box():
    frame = scenes()[0]
    (face,) = FaceDetector("cpu", detect_max_side=320).detect([frame])[0]
    points = np.array(face.landmarks)
    x1, y1, x2, y2 = face.box
    assert points.shape == (5, 2)
    assert (points[:, 0] > x1).all() and (points[:, 0] < x2).all() and (points[:, 1] > y1).all() and (points[:, 1] < y2).all()
    assert points[0, 0] < points[1, 0] and points[3, 1] > points[0, 1]  # left eye left of right, mouth below eyes
