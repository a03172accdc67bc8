"""ml.media.metadata reads the container's own story without decoding: writer, times, tracks, frame
timing, and the signs of conversion or editing a fact-checker looks for, in words."""

import subprocess

import pytest

from ml.media.metadata import read_metadata
from tests import media


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *map(str, args)], check=True)


def codes(facts):
    return [o["code"] for o in facts["observations"]]


def test_a_clip_says_its_container_writer_codec_and_even_frame_timing(tmp_path):
    facts = read_metadata(media.make_face_clip(tmp_path / "face.mp4", seconds=2, fps=10))
    assert facts["readable"] and facts["format_name"].startswith("mov,mp4") and facts["brand"] == "isom"
    assert facts["written_by"].startswith("Lavf") and facts["duration_s"] == 2.0
    assert facts["video"][0] | {"profile": None} == {"codec": "mpeg4", "profile": None, "width": 320, "height": 240,
                                                      "frame_rate": 10.0, "average_frame_rate": 10.0, "frames": 20,
                                                      "handler": "VideoHandler"}
    assert facts["frame_timing"] == {"checked_frames": 20, "irregular": False, "min_interval_s": 0.1,
                                   "max_interval_s": 0.1, "typical_interval_s": 0.1}
    # OpenCV writes through FFmpeg's muxer and records no creation time: both are said.
    assert codes(facts) == ["written_by_software", "no_creation_time"]


def test_creation_time_two_video_tracks_and_uneven_frames_are_noticed(tmp_path):
    face = media.make_face_clip(tmp_path / "face.mp4", seconds=2, fps=10)
    ffmpeg("-i", face, "-i", face, "-map", "0:v", "-map", "1:v", "-c", "copy",
           "-metadata", "creation_time=2026-05-01T10:00:00Z", tmp_path / "two.mp4")
    ffmpeg("-i", face, "-vf", "setpts='N/TB/10+0.04*mod(N,3)/TB'", "-fps_mode", "vfr", "-c:v", "mpeg4",
           tmp_path / "vfr.mp4")
    two, vfr = read_metadata(tmp_path / "two.mp4"), read_metadata(tmp_path / "vfr.mp4")
    assert two["created_at"] == "2026-05-01T10:00:00Z" and len(two["video"]) == 2
    assert "several_video_tracks" in codes(two) and "no_creation_time" not in codes(two)
    assert vfr["frame_timing"]["irregular"] is True and "irregular_frame_timing" in codes(vfr)


def test_a_webm_has_no_per_frame_index_so_its_timing_is_unknown(tmp_path):
    if not media.can_write_webm(headerless=False):
        pytest.skip("ffmpeg cannot write WebM here")
    facts = read_metadata(media.make_webm_clip(tmp_path / "c.webm", headerless=False))
    assert facts["format_name"] == "matroska,webm" and facts["video"][0]["codec"] == "vp8"
    assert facts["frame_timing"]["irregular"] is None and facts["created_at"] is None


def test_a_text_file_named_mp4_is_unreadable_without_raising(tmp_path):
    facts = read_metadata(media.make_text_file(tmp_path / "notes.mp4"))
    assert (facts["readable"], codes(facts), facts["video"]) == (False, ["unreadable"], [])
