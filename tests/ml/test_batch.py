"""The batch path (ml/serving/many_videos.py): many videos at once, each with the result `analyze` gives it alone."""

import multiprocessing
import os
import signal
import threading
import time

import pytest

from ml.errors import AnalysisCrashed, VideoError
from ml.media.faces import FaceDetector
from ml.results import AnalyzeOptions
from ml.serving.many_videos import analyze_videos
from ml.serving.microbatch import (
    BatchedClassifier,
    BatchedEncoder,
    BatchedFaceDetector,
    Engines,
)
from ml.serving.pipeline import analyze
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


@pytest.fixture(scope="module")
def expected(videos, small_detector, face_detector):
    """What `analyze` gives each video alone (or the error it raises): what every batch path must give."""
    return [alone(v, small_detector, face_detector) for v in videos]


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
    engines = Engines(BatchedFaceDetector(FaceDetector("cpu"), max_frames=32), BatchedEncoder(small_detector, 64),
                      BatchedClassifier(small_detector))
    yield engines
    engines.close()


def test_each_video_gets_what_analyze_gives_it_alone(videos, expected, small_detector, merging_engines):
    outcomes = list(analyze_videos(videos, small_detector, OPTIONS, concurrency=4, engines=merging_engines))
    assert [o.path for o in outcomes] == [str(v) for v in videos]  # in the order given
    for want, outcome in zip(expected, outcomes):
        assert_same(want, outcome)
    # The work of several videos really was merged: fewer MTCNN calls than one per hand-over.
    batcher = merging_engines.face_detector.batcher
    assert batcher.items / batcher.batches > FaceDetector("cpu").batch_size


@pytest.mark.parametrize("workers", ["threads", "processes"])
def test_a_broken_video_fails_alone_with_its_reason(videos, small_detector, workers):
    outcomes = {o.path: o for o in analyze_videos(videos, small_detector, OPTIONS, concurrency=2, workers=workers)}
    assert "stops early" in str(outcomes[str(videos[4])].error) or "incomplete" in str(outcomes[str(videos[4])].error)
    assert "not a video" in str(outcomes[str(videos[6])].error)
    assert outcomes[str(videos[0])].result.faces_found == 8 and outcomes[str(videos[0])].seconds > 0


def test_a_long_list_keeps_only_a_few_videos_in_flight(clips, small_detector, monkeypatch):
    import ml.serving.many_videos

    started = []
    real = ml.serving.many_videos.analyze_one
    monkeypatch.setattr(ml.serving.many_videos, "analyze_one", lambda path, *a: started.append(path) or real(path, *a))
    outcomes = analyze_videos([clips["no_face"]] * 50, small_detector, AnalyzeOptions(frames=2), concurrency=2,
                              workers="threads")
    next(outcomes)
    assert len(started) <= 5  # 2 x concurrency in the window, plus the one submitted after the first result
    assert sum(1 for _ in outcomes) == 49


def test_on_a_cpu_worker_processes_give_each_video_what_analyze_gives_it_alone(videos, expected, small_detector):
    outcomes = list(analyze_videos(videos, small_detector, OPTIONS, concurrency=2))  # processes: the CPU default
    assert [o.path for o in outcomes] == [str(v) for v in videos]
    for want, outcome in zip(expected, outcomes):
        assert_same(want, outcome)


class Killer(threading.Thread):
    """Kills each new worker process of this test process, `times` times, as the OOM killer would."""

    def __init__(self, times: int):
        super().__init__(daemon=True)
        self.times, self.killed = times, []
        self.earlier = {c.pid for c in multiprocessing.active_children()}  # other tests' pools, winding down

    def run(self):
        deadline = time.monotonic() + 60
        while len(self.killed) < self.times and time.monotonic() < deadline:
            for child in multiprocessing.active_children():
                if child.pid and child.pid not in self.killed and child.pid not in self.earlier:
                    os.kill(child.pid, signal.SIGKILL)
                    self.killed.append(child.pid)
                    break
            time.sleep(0.02)


def test_a_killed_worker_process_costs_no_video(clips, small_detector):
    killer = Killer(times=1)
    killer.start()
    outcomes = list(analyze_videos([clips["face"], clips["two_faces"], clips["face"]], small_detector, OPTIONS,
                                   concurrency=1, workers="processes"))
    killer.join()
    assert len(killer.killed) == 1
    assert [o.result.faces_found for o in outcomes] == [8, 16, 8]


def test_a_video_in_flight_at_two_worker_deaths_fails_with_a_reason_and_the_rest_go_on(clips, small_detector):
    killer = Killer(times=2)
    killer.start()
    videos = [clips["face"], clips["two_faces"], clips["face"], clips["no_face"]]
    outcomes = list(analyze_videos(videos, small_detector, OPTIONS, concurrency=1, workers="processes"))
    killer.join()
    assert [o.path for o in outcomes] == [str(v) for v in videos]
    assert isinstance(outcomes[0].error, AnalysisCrashed) and "stopped unexpectedly" in str(outcomes[0].error)
    assert outcomes[-1].result is not None and outcomes[-1].result.faces_found == 0


def test_a_pool_that_broke_while_idle_takes_new_videos_on_a_fresh_pool(clips, small_detector):
    from ml.serving.process_pool import WorkerPool

    with WorkerPool(small_detector, 1) as pool:
        assert next(pool.analyze([clips["face"]], OPTIONS)).result.faces_found == 8
        for child in multiprocessing.active_children():
            if child.pid in {p.pid for p in pool._executor._processes.values()}:
                os.kill(child.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while not pool._executor._broken and time.monotonic() < deadline:
            time.sleep(0.05)
        outcomes = list(pool.analyze([clips["face"], clips["no_face"]], OPTIONS))
    assert [o.result.faces_found for o in outcomes] == [8, 0]
