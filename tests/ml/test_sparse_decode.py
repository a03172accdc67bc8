"""The skipping decoder (ml/media/sparse_decode.py) gives exactly the frames OpenCV's full pass gives:
same indices, timestamps and pixels, for every kind of clip it takes, while decoding fewer frames."""

import shutil
import subprocess

import numpy as np
import pytest

from ml.media import sparse_decode, video
from ml.media.video import frame_indices, probe, sample_frames
from tests import media
from tests.ml.test_ffpp_sample import SAMPLE, _three_clips

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg program to encode")


def opencv_frames(path, wanted, info):
    return list(video.grab_frames(path, wanted, info.fps))


def assert_same_frames(path, n=7, mode="spread", threads=0, complete=True):
    info = probe(path)
    wanted = frame_indices(info.frame_count, n, mode)
    plan = sparse_decode.plan(path)
    assert plan is not None, "the skipping decoder should take this clip"
    got = list(sparse_decode.frames(plan, wanted, info.fps, info.rotation, threads))
    want = opencv_frames(path, wanted, info)
    assert [i for i, _, _ in got] == [i for i, _, _ in want]
    if complete:
        assert [i for i, _, _ in got] == wanted
    assert [t for _, t, _ in got] == pytest.approx([t for _, t, _ in want], abs=1e-6)
    for (i, _, a), (_, _, b) in zip(got, want):
        assert a.shape == b.shape and a.dtype == b.dtype == np.uint8
        assert np.array_equal(a, b), f"frame {i} differs"
    return got


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *map(str, args)], check=True)


@pytest.fixture(scope="module")
def x264(clips, tmp_path_factory):
    """The face clip re-encoded the way cameras and FF++ encode: H.264 with B-frames in a pyramid."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("needs the ffmpeg program to encode")
    root = tmp_path_factory.mktemp("x264")
    source = media.make_face_clip(root / "source.mp4", seconds=6, fps=25)
    out = root / "bframes.mp4"
    ffmpeg("-i", source, "-c:v", "libx264", "-bf", 3, "-b_strategy", 0, "-g", 60, "-pix_fmt", "yuv420p", out)
    return out


def test_mpeg4_clips_as_opencv_writes_them(clips):
    assert_same_frames(clips["face"])
    assert_same_frames(clips["two_faces"], n=20)


def test_h264_with_b_frames_spread_first_and_on_one_thread(x264):
    assert_same_frames(x264, n=20)
    assert_same_frames(x264, n=20, threads=1)
    assert_same_frames(x264, n=9, mode="first")


def test_it_decodes_fewer_frames_than_the_full_pass(x264, monkeypatch):
    decoded = []
    real = sparse_decode._decoded

    def counting(codec, packet):
        frames = real(codec, packet)
        decoded.extend(frames)
        return frames

    monkeypatch.setattr(sparse_decode, "_decoded", counting)
    info = probe(x264)
    wanted = frame_indices(info.frame_count, 10)
    list(sparse_decode.frames(sparse_decode.plan(x264), wanted, info.fps))
    assert len(decoded) < 0.8 * (wanted[-1] + 1)


@needs_ffmpeg
@pytest.mark.parametrize("pix_fmt", ["yuvj420p", "yuv444p", "yuv422p"])
def test_other_pixel_formats_phones_and_studios_use(clips, tmp_path, pix_fmt):
    out = tmp_path / f"{pix_fmt}.mp4"
    ffmpeg("-i", clips["face"], "-c:v", "libx264", "-bf", 2, "-pix_fmt", pix_fmt, out)
    assert_same_frames(out, n=8)


@needs_ffmpeg
@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_rotated_phone_clips_come_out_upright_like_opencvs(clips, tmp_path, degrees):
    out = tmp_path / f"rotated{degrees}.mp4"
    ffmpeg("-i", clips["face"], "-c", "copy", "-metadata:s:v:0", f"rotate={degrees}", out)
    assert probe(out).rotation % 360 in {90, 180, 270}
    assert_same_frames(out, n=5)


@needs_ffmpeg
def test_a_cut_with_an_edit_list_counts_only_the_shown_frames(x264, tmp_path):
    # A stream copy that starts between key frames keeps the earlier frames but marks them discarded.
    out = tmp_path / "cut.mp4"
    ffmpeg("-ss", 1.3, "-i", x264, "-c", "copy", out)
    # The header counts the discarded frames too, so the last wanted ones lie past the end for both.
    got = assert_same_frames(out, n=10, complete=False)
    assert len(got) >= 8


@pytest.mark.skipif(not media.can_write_webm(), reason="needs OpenCV's VP8 writer and the ffmpeg program")
def test_a_browser_recorded_webm(tmp_path):
    clip = media.make_webm_clip(tmp_path / "recorded.webm", seconds=2.0, fps=10)
    assert_same_frames(clip, n=4)


def test_a_truncated_clip_yields_what_decodes_then_stops(x264, tmp_path):
    # Index first (faststart), so the cut file still opens and the decoder meets its end mid-stream;
    # with the index at the end the cut file would not open at all and nothing would be decoded.
    indexed = tmp_path / "faststart.mp4"
    ffmpeg("-i", x264, "-c", "copy", "-movflags", "+faststart", indexed)
    cut = media.make_truncated_copy(indexed, tmp_path / "cut.mp4", keep_fraction=0.6)
    plan = sparse_decode.plan(cut)
    assert plan is not None
    info = probe(x264)
    got = [i for i, _, _ in sparse_decode.frames(plan, frame_indices(info.frame_count, 10), info.fps)]
    assert got == sorted(got) and len(got) < 10


def test_unreadable_input_is_left_to_opencv(clips, tmp_path):
    assert sparse_decode.plan(clips["text"]) is None
    assert sparse_decode.plan(tmp_path / "missing.mp4") is None


def test_sample_frames_uses_it_and_still_reports_a_truncated_video(clips):
    with pytest.raises(video.TruncatedVideo):
        list(sample_frames(clips["truncated"], 10))


@pytest.mark.parametrize("row", _three_clips() if SAMPLE.is_dir() else [], ids=lambda r: f"{r['height']}p")
def test_real_clips_of_the_shared_sample_at_every_size(row):
    assert_same_frames(SAMPLE / row["file"], n=20)


def test_a_clip_whose_resolution_changes_midway_comes_out_at_its_first_size(tmp_path):
    """A browser recording of an adaptive stream changes resolution midway. Both decoders give every
    frame the first frame's size (this decoder gave the later frames at 480x360 before, and face
    detection, which stacks a batch of frames, failed with an internal error)."""
    clip = media.make_resolution_change_clip(tmp_path / "switch.ts", sizes=((320, 240), (480, 360)))
    info = probe(clip)
    wanted = frame_indices(info.frame_count, 20, "spread")
    got = list(sparse_decode.frames(sparse_decode.plan(clip), wanted, info.fps, info.rotation, 0))
    want = opencv_frames(clip, wanted, info)
    assert [i for i, _, _ in got] == wanted == [i for i, _, _ in want] == list(range(20))
    for (i, _, a), (_, _, b) in zip(got, want):
        assert a.shape == b.shape == (240, 320, 3)
        # The scaled frames within a few levels of OpenCV's (swscale's steps differ); the rest exact.
        assert np.abs(a.astype(int) - b).max() <= (6 if i >= 10 else 0), f"frame {i}"


def test_faces_are_found_on_both_sides_of_a_resolution_change(tmp_path, face_detector):
    from ml.serving import pipeline

    clip = media.make_resolution_change_clip(tmp_path / "switch.ts")
    found = pipeline.find_face_tracks(clip, 20, "spread", face_detector)
    assert found.frames_sampled == 20 and found.faces_found >= 18
    frames = sorted(face.frame_index for track in found.tracks for face in track.faces)
    assert frames[0] < 10 <= frames[-1]  # one face followed across the change
