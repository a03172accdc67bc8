import numpy as np
import pytest

from ml.media.faces import Face, build_tracks, crop_square
from ml.media.video import sample_frames


def _faces_in(clip, face_detector, n=4):
    frames = list(sample_frames(clip, n))
    detections = face_detector.detect([rgb for _, _, rgb in frames])
    return [
        Face(pos, index, ts, d.box, d.probability, crop)
        for pos, ((index, ts, rgb), dets) in enumerate(zip(frames, detections))
        for d, crop in zip(dets, face_detector.crop_faces(rgb, dets))
    ]


def test_it_finds_the_astronaut_and_crops_her_face_to_112_rgb(clips, face_detector):
    faces = _faces_in(clips["face"], face_detector)
    assert len(faces) == 4
    assert all(f.probability > 0.99 for f in faces)
    assert all(f.crop.shape == (112, 112, 3) and f.crop.dtype == np.uint8 for f in faces)


def test_boxes_are_in_full_resolution_pixels_even_when_detection_ran_downscaled(clips, face_detector):
    _, _, rgb = next(sample_frames(clips["face"], 1))
    full = face_detector.detect([rgb])[0][0].box
    small = face_detector.detect([rgb], max_side=200)[0][0].box
    assert np.allclose(full, small, atol=8)


def test_two_people_give_two_tracks(clips, face_detector):
    tracks = build_tracks(_faces_in(clips["two_faces"], face_detector), (320, 240))
    assert [len(t.faces) for t in tracks] == [4, 4]
    left, right = (np.mean([f.box[0] for f in t.faces]) for t in tracks)
    assert abs(left - right) > 100


def test_a_frame_without_a_face_gives_no_detection(clips, face_detector):
    assert _faces_in(clips["no_face"], face_detector) == []


def test_a_crop_near_the_border_stays_square_and_inside_the_image():
    image = np.zeros((100, 200, 3), np.uint8)
    image[:60, :60] = 255
    crop = crop_square(image, (0, 0, 40, 40), margin=0.5, size=112)
    assert crop.shape == (112, 112, 3)
    assert crop.min() > 240  # exactly the white 60 px corner: shifted inside, not padded or squashed


def test_tracks_survive_a_frame_where_the_face_was_missed():
    def face(pos, x):
        return Face(pos, pos, 0.0, (x, 10, x + 20, 30), 0.99, np.zeros((1, 1, 3), np.uint8))

    tracks = build_tracks([face(0, 10), face(0, 150), face(2, 14), face(3, 152)], (200, 100))
    assert [[f.frame_pos for f in t.faces] for t in tracks] == [[0, 2], [0, 3]]


@pytest.mark.parametrize("shape", [(1, 1, 3), (19, 19, 3), (30, 4000, 3)])
def test_an_image_too_small_for_any_face_gives_no_detection_not_a_crash(face_detector, shape):
    # A 30x4000 frame is downscaled to 640 wide for MTCNN, which leaves it under 5 pixels high.
    assert face_detector.detect([np.zeros(shape, np.uint8)] * 2) == [[], []]
