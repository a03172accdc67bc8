import cv2
import numpy as np
import pytest

from ml.media.video import _open, frame_indices, sample_frames
from tests import media


def test_spread_sampling_picks_evenly_spaced_frames_over_the_whole_video():
    assert frame_indices(100, 4, "spread") == [12, 37, 62, 87]


def test_first_sampling_takes_the_opening_frames():
    assert frame_indices(100, 4, "first") == [0, 1, 2, 3]


def test_it_never_asks_for_more_frames_than_the_video_has():
    assert frame_indices(3, 10, "spread") == [0, 1, 2]


def test_it_yields_the_chosen_frames_as_rgb_with_timestamps(clips):
    frames = list(sample_frames(clips["face"], 5))
    assert [i for i, _, _ in frames] == frame_indices(20, 5)
    index, ts, rgb = frames[1]
    assert ts == pytest.approx(index / 10)
    assert rgb.shape == (240, 320, 3) and rgb.dtype == np.uint8
    # The background is written as BGR (90, 110, 100); RGB order puts 100 first.
    assert tuple(rgb[2, 2]) == pytest.approx((100, 110, 90), abs=6)


@pytest.mark.skipif(not media.can_write_webm(), reason="needs OpenCV's VP8 writer and the ffmpeg program")
def test_it_samples_a_browser_recorded_webm(tmp_path):
    clip = media.make_webm_clip(tmp_path / "recorded.webm", seconds=2.0, fps=10)
    frames = list(sample_frames(clip, 4))
    assert [i for i, _, _ in frames] == [2, 7, 12, 17]
    assert frames[-1][1] == pytest.approx(1.7, abs=0.05)


def test_one_decoding_thread_gives_the_same_frames_as_ffmpegs_own_choice(clips, tmp_path):
    # The batch path decodes each of several videos on one thread (ml.serving.many_videos.alongside_others).
    clip = media.make_long_clip(tmp_path / "long.mp4", 12)  # several key frames, so threads have work
    assert _open(clip, 1).get(cv2.CAP_PROP_N_THREADS) == 1
    default, single = (list(sample_frames(clip, 6, threads=t)) for t in (0, 1))
    assert [i for i, _, _ in single] == [i for i, _, _ in default]
    assert all(np.array_equal(a, b) for (_, _, a), (_, _, b) in zip(default, single))


def test_analyze_hands_its_decoding_threads_to_the_decoder(clips, small_detector, face_detector, monkeypatch):
    from ml.results import AnalyzeOptions
    from ml.serving import pipeline

    asked = []

    def recording(*args, threads=0, **kwargs):
        asked.append(threads)
        return sample_frames(*args, threads=threads, **kwargs)

    monkeypatch.setattr(pipeline, "sample_frames", recording)
    pipeline.analyze(clips["face"], small_detector, AnalyzeOptions(frames=4, decode_threads=1),
                     face_detector=face_detector)
    assert asked == [1]


def test_the_decoder_is_released_when_detection_fails(clips, monkeypatch):
    from ml.media import video
    from ml.media.faces import FaceDetector
    from ml.serving import pipeline

    class Failing(FaceDetector):
        def detect_prepared(self, *args, **kwargs):
            raise RuntimeError("detection failed")

    from ml.media import sparse_decode

    class Tracked:
        """The skipping decoder's container, noting when its `with` block ends."""

        def __init__(self, container):
            self.container, self.closed = container, False

        def __enter__(self):
            return self.container.__enter__()

        def __exit__(self, *exc):
            self.closed = True
            return self.container.__exit__(*exc)

    opened, containers = [], []
    real_open, real_av_open = video._open, sparse_decode.av.open
    monkeypatch.setattr(video, "_open", lambda *args: opened.append(real_open(*args)) or opened[-1])
    monkeypatch.setattr(sparse_decode.av, "open",
                        lambda *args: containers.append(Tracked(real_av_open(*args))) or containers[-1])
    with pytest.raises(RuntimeError) as failure:
        pipeline.find_face_tracks(clips["face"], 6, "spread", Failing("cpu"))
    assert failure.value is not None  # the traceback (and every frame it holds) is still alive here
    assert not opened[-1].isOpened()
    # The clip is decoded by the skipping decoder: its container is closed as well.
    assert containers and all(c.closed for c in containers)


def test_analyses_running_alongside_others_decode_on_one_thread_unless_told():
    from ml.results import AnalyzeOptions
    from ml.serving.acceleration import available_cores
    from ml.serving.many_videos import alongside_others

    assert alongside_others(AnalyzeOptions(), available_cores() + 1).decode_threads == 1
    assert alongside_others(AnalyzeOptions(), 2).decode_threads == max(1, available_cores() // 2)
    assert alongside_others(AnalyzeOptions(decode_threads=2), 3).decode_threads == 2
    assert alongside_others(AnalyzeOptions(), 1).decode_threads == 0  # alone: FFmpeg's threads help
