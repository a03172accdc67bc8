"""The batch path (ml/batch.py): many videos at once, each with the result `analyze` gives it alone."""

import pytest

from ml.batch import Engines, analyze_videos
from ml.errors import VideoError
from ml.faces import FaceDetector
from ml.microbatch import BatchedEncoder, BatchedFaceDetector
from ml.pipeline import analyze
from ml.results import AnalyzeOptions
from tests import media

OPTIONS = AnalyzeOptions(frames=8)


@pytest.fixture(scope="module")
def videos(clips, tmp_path_factory):
    """Sizes differ (so MTCNN batches by size), one has two people, one no face, two are broken."""
    root = tmp_path_factory.mktemp("batch")
    return [
        clips["face"],
        media.make_face_clip(root / "wide.mp4", size=(640, 360)),
        clips["two_faces"],
        clips["no_face"],
        clips["truncated"],
        media.make_face_clip(root / "tall.mp4", size=(240, 320), seconds=1.5),
        clips["text"],
    ]


def alone(path, detector, face_detector):
    try:
        return analyze(path, detector, OPTIONS, face_detector=face_detector)
    except VideoError as error:
        return error


def assert_same(alone_result, outcome):
    if isinstance(alone_result, VideoError):
        assert outcome.result is None and type(outcome.error) is type(alone_result)
        assert str(outcome.error) == str(alone_result)
        return
    got = outcome.result
    assert outcome.error is None
    assert (got.verdict, got.frames_sampled, got.faces_found) == (alone_result.verdict, alone_result.frames_sampled,
                                                                  alone_result.faces_found)
    assert [(t.track, t.frames) for t in got.tracks] == [(t.track, t.frames) for t in alone_result.tracks]
    assert got.fake_probability == pytest.approx(alone_result.fake_probability, abs=1e-5)
    assert [(f.track, f.frame_index, f.box) for f in got.frames] == [(f.track, f.frame_index, f.box)
                                                                     for f in alone_result.frames]
    assert [f.fake_probability for f in got.frames] == pytest.approx([f.fake_probability for f in alone_result.frames],
                                                                     abs=1e-5)
    assert [f.crop_jpeg for f in got.frames] == [f.crop_jpeg for f in alone_result.frames]


@pytest.fixture(scope="module")
def merging_engines(small_detector):
    """Engines that merge up to 32 frames per MTCNN call, as on a GPU, so merging is exercised here."""
    engines = Engines(BatchedFaceDetector(FaceDetector("cpu"), max_frames=32), BatchedEncoder(small_detector, 64))
    yield engines
    engines.close()


def test_each_video_gets_what_analyze_gives_it_alone(videos, small_detector, face_detector, merging_engines):
    expected = [alone(v, small_detector, face_detector) for v in videos]
    outcomes = list(analyze_videos(videos, small_detector, OPTIONS, concurrency=4, engines=merging_engines))
    assert [o.path for o in outcomes] == [str(v) for v in videos]  # in the order given
    for want, outcome in zip(expected, outcomes):
        assert_same(want, outcome)
    # The work of several videos really was merged: fewer MTCNN calls than one per hand-over.
    batcher = merging_engines.face_detector.batcher
    assert batcher.items / batcher.batches > FaceDetector("cpu").batch_size


def test_a_broken_video_fails_alone_with_its_reason(videos, small_detector):
    outcomes = {o.path: o for o in analyze_videos(videos, small_detector, OPTIONS, concurrency=2)}
    assert "stops early" in str(outcomes[str(videos[4])].error) or "incomplete" in str(outcomes[str(videos[4])].error)
    assert "not a video" in str(outcomes[str(videos[6])].error)
    assert outcomes[str(videos[0])].result.faces_found == 8 and outcomes[str(videos[0])].seconds > 0


def test_a_long_list_keeps_only_a_few_videos_in_flight(clips, small_detector, monkeypatch):
    import ml.batch

    started = []
    real = ml.batch._analyze_one
    monkeypatch.setattr(ml.batch, "_analyze_one", lambda path, *a: started.append(path) or real(path, *a))
    outcomes = analyze_videos([clips["no_face"]] * 50, small_detector, AnalyzeOptions(frames=2), concurrency=2)
    next(outcomes)
    assert len(started) <= 5  # 2 x concurrency in the window, plus the one submitted after the first result
    assert sum(1 for _ in outcomes) == 49
