"""Each published dataset shape is recognised from a tiny tree of empty files and read with labels and
groups."""

import json

import pytest

from ml.training.datasets import DatasetError, detect_layout, load_dataset


def touch(root, *paths):
    for p in paths:
        (root / p).parent.mkdir(parents=True, exist_ok=True)
        (root / p).write_bytes(b"")
    return root


def test_a_manifest_is_detected_and_its_relative_and_absolute_paths_resolve(tmp_path):
    touch(tmp_path, "v/a.mp4", "elsewhere/b.mp4")
    (tmp_path / "manifest.csv").write_text(
        f"file,label,group,method,compression\nv/a.mp4,real,g1,original,c23\n{tmp_path / 'elsewhere/b.mp4'},fake,g1,FaceSwap,c40\n"
    )
    assert detect_layout(tmp_path) == "manifest"
    clips = load_dataset(tmp_path)
    assert [(c.label, c.group, c.method, c.compression) for c in clips] == [
        ("fake", "g1", "FaceSwap", "c40"), ("real", "g1", "original", "c23")]
    assert clips[1].path == str((tmp_path / "v/a.mp4").resolve())


def test_an_export_reviews_csv_is_read_by_its_own_path(tmp_path):
    touch(tmp_path, "media/x.mp4")
    csv_path = tmp_path / "reviews.csv"
    csv_path.write_text(f"file,label,group\n{tmp_path / 'media/x.mp4'},fake,analysis-7\n")
    assert detect_layout(csv_path) == "manifest"
    assert load_dataset(csv_path)[0].group == "analysis-7"


def test_a_manifest_with_an_unknown_label_is_refused_with_the_line(tmp_path):
    (tmp_path / "manifest.csv").write_text("file,label\na.mp4,maybe\n")
    with pytest.raises(DatasetError, match="Line 2"):
        load_dataset(tmp_path)


def test_real_and_fake_folders(tmp_path):
    touch(tmp_path, "real/a.mp4", "real/sub/b.mov", "fake/c.mp4", "fake/notes.txt")
    assert detect_layout(tmp_path) == "folders"
    assert sorted(c.label for c in load_dataset(tmp_path)) == ["fake", "real", "real"]


def test_faceforensics_groups_a_fake_with_both_people_it_shows(tmp_path):
    touch(tmp_path, "original_sequences/youtube/c23/videos/035.mp4",
          "original_sequences/youtube/c23/videos/036.mp4",
          "original_sequences/youtube/c23/videos/100.mp4",
          "manipulated_sequences/Deepfakes/c40/videos/035_036.mp4")
    assert detect_layout(tmp_path) == "ffpp"
    clips = {c.path.rsplit("/", 1)[-1]: c for c in load_dataset(tmp_path)}
    assert clips["035_036.mp4"].method == "Deepfakes" and clips["035_036.mp4"].compression == "c40"
    assert clips["035.mp4"].group == clips["036.mp4"].group == clips["035_036.mp4"].group
    assert clips["100.mp4"].group != clips["035.mp4"].group
    assert clips["035.mp4"].label == "real" and clips["035_036.mp4"].label == "fake"


def test_celeb_df_folders(tmp_path):
    touch(tmp_path, "Celeb-real/id0_0000.mp4", "YouTube-real/00001.mp4", "Celeb-synthesis/id0_id16_0000.mp4")
    assert detect_layout(tmp_path) == "celebdf"
    clips = {c.path.rsplit("/", 1)[-1]: c for c in load_dataset(tmp_path)}
    assert clips["id0_id16_0000.mp4"].label == "fake"
    assert clips["id0_id16_0000.mp4"].group == clips["id0_0000.mp4"].group


def test_dfdc_parts_with_metadata_json(tmp_path):
    touch(tmp_path, "dfdc_train_part_0/aaa.mp4", "dfdc_train_part_0/bbb.mp4")
    (tmp_path / "dfdc_train_part_0/metadata.json").write_text(json.dumps({
        "aaa.mp4": {"label": "REAL", "split": "train"},
        "bbb.mp4": {"label": "FAKE", "split": "train", "original": "aaa.mp4"},
    }))
    assert detect_layout(tmp_path) == "dfdc"
    real, fake = load_dataset(tmp_path)
    assert (real.label, fake.label) == ("real", "fake")
    assert real.group == fake.group


def test_an_unknown_folder_is_refused_with_a_sentence(tmp_path):
    touch(tmp_path, "clips/a.mp4")
    with pytest.raises(DatasetError, match="Cannot tell the layout"):
        detect_layout(tmp_path)
