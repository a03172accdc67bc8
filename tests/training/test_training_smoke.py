"""Two epochs of the default recipe on generated clips produce a run folder and a checkpoint the
product loads and uses with the face settings it was trained with."""

import json
from pathlib import Path

from ml.model.checkpoint import load_checkpoint, load_detector
from ml.results import AnalyzeOptions
from ml.serving.pipeline import analyze


def test_the_run_folder_holds_checkpoint_metrics_split_and_plots(tiny_run):
    run = Path(tiny_run["run_dir"])
    for name in ("model.pt", "metrics.json", "split.json", "card.json", "test_scores.csv", "train.log"):
        assert (run / name).is_file(), name
    for plot in ("loss", "roc", "confusion", "scores"):
        assert (run / "plots" / f"{plot}.png").read_bytes()[:4] == b"\x89PNG"
    metrics = json.loads((run / "metrics.json").read_text())
    assert [h["epoch"] for h in metrics["history"]] == [1, 2]
    log = (run / "train.log").read_text()
    assert "efficientnet_lite0 initialised from ImageNet weights" in log
    assert "trains whole backbone + LSTM + head (fine-tuned)" in log  # what --train-blocks chose, in words
    assert "epoch 2/2" in log
    assert metrics["test"]["n"] == 4


def test_the_checkpoint_loads_and_scores_a_video_through_the_pipeline(tiny_run, tiny_dataset):
    detector = load_detector(tiny_run["checkpoint"], "cpu")
    assert detector.config.backbone == "efficientnet_lite0" and detector.config.lstm_hidden == 16
    assert detector.threshold == tiny_run["threshold"]
    result = analyze(tiny_dataset / "videos" / "fake_0.mp4", detector, AnalyzeOptions(frames=4))
    assert result.verdict in ("real", "fake", "uncertain")
    assert 0.0 <= result.fake_probability <= 1.0


def test_the_pipeline_cuts_faces_as_the_checkpoint_says_training_did(tiny_run, tiny_dataset):
    detector = load_detector(tiny_run["checkpoint"], "cpu")
    assert detector.preprocessing["faces"]["crop_size"] == 64  # --crop-size of the training cache
    assert detector.preprocessing["image_size"] == 64 and detector.preprocessing["frames"] == 4
    result = analyze(tiny_dataset / "videos" / "real_1.mp4", detector, AnalyzeOptions(frames=4))
    import cv2
    import numpy as np

    crop = cv2.imdecode(np.frombuffer(result.frames[0].crop_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert crop.shape[:2] == (64, 64)


def test_the_checkpoint_states_its_imagenet_backbone_recipe_and_split(tiny_run):
    ckpt = load_checkpoint(tiny_run["checkpoint"])
    assert ckpt["provenance"]["backbone_init"].startswith("imagenet:")
    assert ckpt["provenance"]["recipe"]["name"] == "finetune"
    card = ckpt["extra"]["card"]
    assert card["backbone_init"] == "imagenet" and card["recipe"] == "finetune"
    assert card["evaluation"]["videos"] == 4 and "group-aware" in card["evaluation"]["protocol"]
    assert ckpt["provenance"]["split"]["group_aware"] is True
    assert ckpt["metrics"]["test_n"] == 4


def test_no_test_group_was_trained_or_validated_on(tiny_run):
    split = json.loads((Path(tiny_run["run_dir"]) / "split.json").read_text())
    test_groups = set(split["test"]["groups"])
    assert test_groups and not test_groups & (set(split["train"]["groups"]) | set(split["val"]["groups"]))
