import shutil
import subprocess

import pytest

from ml.errors import NoVideoStream, TruncatedVideo, UnreadableVideo, VideoTooLong
from ml.media.video import check_duration, probe, sample_frames
from tests import media


def test_it_rejects_a_truncated_mp4(clips):
    with pytest.raises(TruncatedVideo, match="incomplete"):
        probe(clips["truncated"])


def test_it_rejects_a_text_file_named_like_a_video(clips):
    with pytest.raises(UnreadableVideo, match="not a video"):
        probe(clips["text"])


def test_it_rejects_an_empty_file(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(UnreadableVideo, match="empty"):
        probe(empty)


def test_it_refuses_a_video_longer_than_the_limit(clips):
    with pytest.raises(VideoTooLong, match="up to 1 seconds"):
        check_duration(probe(clips["face"]), max_s=1)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg program")
def test_it_rejects_a_video_whose_frames_stop_halfway(clips, tmp_path):
    # With its index at the front (as phones and web tools write it) a cut file still opens.
    indexed = tmp_path / "faststart.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(clips["face"]), "-c", "copy", "-movflags", "+faststart",
                    str(indexed)], check=True)
    cut = media.make_truncated_copy(indexed, tmp_path / "cut.mp4", keep_fraction=0.5)
    with pytest.raises(TruncatedVideo, match="stops early"):
        list(sample_frames(cut, 10))


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg program")
def test_it_rejects_an_audio_only_file(tmp_path):
    audio = tmp_path / "voice.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=1", str(audio)], check=True)
    with pytest.raises(NoVideoStream, match="no video track"):
        probe(audio)
