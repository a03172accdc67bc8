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
