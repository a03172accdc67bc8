"""Several datasets at once: each with its own layout, groups never merging across datasets (even when
their names clash), and the report broken down per dataset."""

import csv
import shutil

import pytest

from ml.training.crossval import group_kfold
from ml.training.datasets import load_datasets, parse_spec

from .conftest import TINY_TRAINING


def manifest_dataset(root, groups=("g0", "g1")):
    root.mkdir(parents=True)
    rows = []
    for g in groups:
        for label in ("real", "fake"):
            (root / f"{g}_{label}.mp4").write_bytes(b"x")
            rows.append({"file": f"{g}_{label}.mp4", "label": label, "group": g})
    with open(root / "manifest.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["file", "label", "group"])
        writer.writeheader()
        writer.writerows(rows)
    return root


def test_a_spec_names_its_layout_after_a_colon():
    assert parse_spec("/data/dfdc:dfdc") == ("/data/dfdc", "dfdc")
    assert parse_spec("/data/dfdc", "folders") == ("/data/dfdc", "folders")
    assert parse_spec("/data/odd:name") == ("/data/odd:name", None)  # not a layout: part of the path


def test_clashing_group_names_of_two_datasets_stay_apart(tmp_path):
    a, b = manifest_dataset(tmp_path / "alpha"), manifest_dataset(tmp_path / "beta")
    clips = load_datasets([str(a), f"{b}:manifest"])
    assert {c.dataset for c in clips} == {"alpha", "beta"}
    assert {c.group for c in clips} == {"alpha/g0", "alpha/g1", "beta/g0", "beta/g1"}
    for fold in group_kfold(clips, 4, seed=0):  # a fold holds whole groups of one dataset
        assert len({(c.dataset, c.group) for c in fold}) == len({c.group for c in fold})
        assert len({c.dataset for c in fold}) == 1


def test_one_dataset_keeps_its_group_names_as_before(tmp_path):
    clips = load_datasets(str(manifest_dataset(tmp_path / "alpha")))
    assert {c.group for c in clips} == {"g0", "g1"} and {c.dataset for c in clips} == {"alpha"}


def test_two_datasets_of_one_name_get_two_names(tmp_path):
    clips = load_datasets([str(manifest_dataset(tmp_path / "x" / "data")), str(manifest_dataset(tmp_path / "y" / "data"))])
    assert {c.dataset for c in clips} == {"data", "data-2"}


@pytest.fixture(scope="module")
def second_dataset(tiny_dataset, tmp_path_factory):
    """The tiny dataset's clips again, in the folders layout, under another name."""
    root = tmp_path_factory.mktemp("second") / "other"
    for label in ("real", "fake"):
        (root / label).mkdir(parents=True)
        for k in range(4):
            shutil.copy(tiny_dataset / "videos" / f"{label}_{k}.mp4", root / label / f"{label}_{k}.mp4")
    return root


def test_a_cross_validated_run_on_two_datasets_reports_each(tiny_dataset, second_dataset, tiny_cache, tmp_path):
    from ml.training import train

    result = train.main(["--data", str(tiny_dataset), "--data", f"{second_dataset}:folders", "--cv", "2",
                         "--output", str(tmp_path / "run"), "--cache-dir", str(tiny_cache), *TINY_TRAINING])
    per_dataset = result["out_of_fold"]["per_dataset"]
    assert set(per_dataset) == {tiny_dataset.name, "other"}
    assert per_dataset["other"]["n"] == 8 and per_dataset[tiny_dataset.name]["n"] == 8
    assert set(result["cv"]["per_dataset"]) == set(per_dataset)
