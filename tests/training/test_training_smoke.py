"""Two epochs on generated clips produce a run folder and a checkpoint the product can load and use."""

import json
from pathlib import Path

from ml import train
from ml.pipeline import analyze
from ml.results import AnalyzeOptions
from ml.weights import load_checkpoint, load_detector

from .conftest import TINY_TRAINING


def test_the_run_folder_holds_checkpoint_metrics_split_and_plots(tiny_run):
    run = Path(tiny_run["run_dir"])
    for name in ("model.pt", "last.pt", "metrics.json", "split.json", "card.json", "test_scores.csv", "train.log"):
        assert (run / name).is_file(), name
    for plot in ("loss", "roc", "confusion", "scores"):
        assert (run / "plots" / f"{plot}.png").read_bytes()[:4] == b"\x89PNG"
    metrics = json.loads((run / "metrics.json").read_text())
    assert [h["epoch"] for h in metrics["history"]] == [1, 2]
    assert "initialised from scratch (random)" in (run / "train.log").read_text()
    assert "epoch 2/2" in (run / "train.log").read_text()
    assert metrics["test"]["n"] == 4


def test_the_checkpoint_loads_and_scores_a_video_through_the_pipeline(tiny_run, tiny_dataset):
    detector = load_detector(tiny_run["checkpoint"], "cpu")
    assert detector.config.lstm_hidden == 16
    assert detector.threshold == tiny_run["threshold"]
    result = analyze(tiny_dataset / "videos" / "fake_0.mp4", detector, AnalyzeOptions(frames=4))
    assert result.verdict in ("real", "fake", "uncertain")
    assert 0.0 <= result.fake_probability <= 1.0


def test_the_checkpoint_states_its_random_backbone_and_split(tiny_run):
    ckpt = load_checkpoint(tiny_run["checkpoint"])
    assert ckpt["provenance"]["backbone_init"] == "random"
    assert ckpt["extra"]["card"]["backbone_init"] == "random"
    assert ckpt["provenance"]["split"]["group_aware"] is True
    assert ckpt["metrics"]["test_n"] == 4


def test_no_test_group_was_trained_or_validated_on(tiny_run):
    split = json.loads((Path(tiny_run["run_dir"]) / "split.json").read_text())
    test_groups = set(split["test"]["groups"])
    assert test_groups and not test_groups & (set(split["train"]["groups"]) | set(split["val"]["groups"]))


def test_training_resumes_from_the_last_epoch(tiny_run, tiny_dataset, tiny_cache):
    run = Path(tiny_run["run_dir"])
    args = [a if a != "2" else "3" for a in TINY_TRAINING]  # --epochs 3
    result = train.main(["--data", str(tiny_dataset), "--output", str(run.parent / "resumed"),
                         "--cache-dir", str(tiny_cache), "--resume", str(run / "last.pt"), *args])
    assert [h["epoch"] for h in result["history"]] == [1, 2, 3]
