import shutil
import subprocess

import pytest

from ml.media.video import probe, sample_frames
from tests import media


def test_it_reports_duration_fps_size_and_frame_count(clips):
    info = probe(clips["face"])
    assert (info.width, info.height, info.fps, info.frame_count) == (320, 240, 10.0, 20)
    assert info.duration_s == pytest.approx(2.0)
    assert info.rotation == 0
    assert info.codec == "fmp4"


@pytest.mark.skipif(not media.can_write_webm(), reason="needs OpenCV's VP8 writer and the ffmpeg program")
def test_it_counts_frames_of_a_webm_whose_header_has_no_duration(tmp_path):
    clip = media.make_webm_clip(tmp_path / "recorded.webm", seconds=1.5, fps=10)
    info = probe(clip)
    assert info.frame_count == 15
    assert info.duration_s == pytest.approx(1.5, abs=0.15)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg program to add rotation metadata")
def test_it_returns_upright_frames_of_a_rotated_phone_clip(clips, tmp_path):
    rotated = tmp_path / "rotated.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(clips["face"]), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(rotated)],
        check=True,
    )
    info = probe(rotated)
    assert info.rotation in (90, 270)
    assert (info.width, info.height) == (240, 320)
    _, _, rgb = next(sample_frames(rotated, 1, info=info))
    assert rgb.shape == (320, 240, 3)


class NonsenseRateCapture:
    """What OpenCV reports for a WebM whose header claims 1000 frames a second and has no frame count
    of its own: a count worked out from that rate (10,000 for 10 s), while 300 frames really decode."""

    def __init__(self, frames=300, ms_per_frame=1000 / 30):
        self.frames, self.ms_per_frame, self.grabbed = frames, ms_per_frame, 0

    def get(self, prop):
        import cv2

        return {cv2.CAP_PROP_FPS: 1000.0, cv2.CAP_PROP_FRAME_COUNT: 10_000.0, cv2.CAP_PROP_FRAME_WIDTH: 320,
                cv2.CAP_PROP_FRAME_HEIGHT: 240, cv2.CAP_PROP_POS_MSEC: (self.grabbed - 1) * self.ms_per_frame,
                }.get(prop, 0.0)

    def grab(self):
        self.grabbed += 1
        return self.grabbed <= self.frames

    def release(self):
        pass


def test_a_count_derived_from_a_nonsense_frame_rate_is_counted_again(monkeypatch):
    """The header's count came from the 1000 fps it claims: trusted, a 10 s clip "lasted" 333 s (refused
    as too long past 600 s, or sampled where no frames are and called truncated)."""
    from ml.media import video

    monkeypatch.setattr(video, "_open", lambda path, threads=0: NonsenseRateCapture())
    info = probe("recorded.webm")
    assert info.fps == 30.0 and info.frame_count == 300
    assert info.duration_s == pytest.approx(10.0, abs=0.05)
