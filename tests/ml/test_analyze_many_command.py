"""manage.py analyze_many: a folder or a CSV of videos through the batch path, verdicts printed and saved."""

import csv
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests import media

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("analyze_many", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def folder(tmp_path, clips):
    root = tmp_path / "inbox"
    (root / "b_nested").mkdir(parents=True)
    media.make_face_clip(root / "a_face.mp4")
    media.make_no_face_clip(root / "b_nested" / "b_empty.mp4")
    media.make_text_file(root / "c_notes.mp4")
    (root / "readme.txt").write_text("not a video, and not picked up")
    return root


def test_a_folder_is_analysed_with_the_active_model_and_written_to_csv(folder, active_model, tmp_path):
    out = run(str(folder), "--frames", "4", "--output", str(tmp_path / "out" / "verdicts.csv"))
    lines = out.strip().splitlines()
    assert lines[0].startswith(f"{folder / 'a_face.mp4'}: ") and "4 faces" in lines[0]
    assert lines[1].startswith(f"{folder / 'b_nested' / 'b_empty.mp4'}: no_face (p(fake) -, 0 faces, ")
    assert "c_notes.mp4: failed: The file is not a video" in lines[2]
    assert "2 of 3 videos analysed in" in lines[3] and "clips/s" in lines[3] and "1 failed" in lines[3]
    with (tmp_path / "out" / "verdicts.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["verdict"] for r in rows] == [lines[0].split(": ")[1].split(" ")[0], "no_face", ""]
    assert rows[0]["frames_sampled"] == "4" and rows[2]["error"].startswith("The file is not a video")


def test_a_csv_names_videos_relative_to_itself_and_a_checkpoint_can_be_given(folder, checkpoint, tmp_path):
    manifest = folder / "list.csv"
    manifest.write_text("file,label\na_face.mp4,real\nb_nested/b_empty.mp4,fake\n")
    out = run(str(manifest), "--frames", "3", "--model", str(checkpoint), "--limit", "1",
              "--output", str(tmp_path / "v.jsonl"))
    assert "1 of 1 videos analysed" in out
    row = json.loads((tmp_path / "v.jsonl").read_text())
    assert row["path"] == str(folder / "a_face.mp4") and row["faces_found"] == 3


def test_clear_messages_for_what_cannot_be_analysed(tmp_path, active_model):
    with pytest.raises(CommandError, match="No videos in"):
        run(str(tmp_path))
    (tmp_path / "bad.csv").write_text("name\nx.mp4\n")
    with pytest.raises(CommandError, match="no 'file' or 'path' column"):
        run(str(tmp_path / "bad.csv"))
    with pytest.raises(CommandError, match="neither a folder nor a .csv"):
        run(str(tmp_path / "missing"))


def test_without_a_model_it_says_how_to_get_one(folder):
    with pytest.raises(CommandError, match="No active model"):
        run(str(folder))


def test_the_shared_batches_are_sized_as_the_worker_sizes_them(folder, active_model, settings):
    from ml.serving import microbatch

    settings.DEEPTRACE_DETECT_BATCH, settings.DEEPTRACE_ENCODE_BATCH = 3, 48
    run(str(folder), "--frames", "4", "--workers", "threads")
    (engines,) = microbatch._engines.values()
    assert (engines.face_detector.batcher.max_items, engines.encode.batcher.max_items) == (3, 48)


@pytest.fixture
def nan_checkpoint(checkpoint, tmp_path):
    """The random checkpoint with its classifier's bias NaN: every face track scores NaN."""
    import torch

    payload = torch.load(checkpoint, map_location="cpu", weights_only=True)
    payload["state_dict"]["fc.bias"].fill_(float("nan"))
    path = tmp_path / "nan.pt"
    torch.save(payload, path)
    return path


@pytest.mark.parametrize("workers", ["threads", "processes"])
def test_a_nan_score_fails_that_video_and_the_run_goes_on(folder, nan_checkpoint, tmp_path, workers):
    out = run(str(folder), "--frames", "4", "--model", str(nan_checkpoint), "--workers", workers,
              "--output", str(tmp_path / "v.csv"))
    lines = out.strip().splitlines()
    assert "a_face.mp4: failed: The model scored face track(s) [0] as NaN" in lines[0]
    assert "b_empty.mp4: no_face" in lines[1] and "c_notes.mp4: failed: The file is not a video" in lines[2]
    assert "1 of 3 videos analysed" in lines[3]
    with (tmp_path / "v.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["verdict"] for r in rows] == ["", "no_face", ""] and "NaN" in rows[0]["error"]


def test_a_run_stopped_part_way_keeps_the_rows_it_finished(folder, active_model, tmp_path, monkeypatch):
    """Rows are written as each video finishes: a run that dies at the second video (here: the batch
    path raising, as an interrupt or a crash would) leaves the first one's row on disk."""
    from ml.serving import many_videos

    analyze_videos = many_videos.analyze_videos

    def dies_after_one(*args, **kwargs):
        yield next(analyze_videos(*args, **kwargs))
        raise KeyboardInterrupt

    monkeypatch.setattr(many_videos, "analyze_videos", dies_after_one)
    for name in ("v.csv", "v.jsonl"):
        with pytest.raises(KeyboardInterrupt):
            run(str(folder), "--frames", "4", "--output", str(tmp_path / name))
    with (tmp_path / "v.csv").open() as f:
        (row,) = csv.DictReader(f)
    assert row["path"] == str(folder / "a_face.mp4") and row["frames_sampled"] == "4"
    assert json.loads((tmp_path / "v.jsonl").read_text())["path"] == str(folder / "a_face.mp4")
