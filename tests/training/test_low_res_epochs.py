"""Progressive resizing (`--low-res-epochs N`): the first N epochs train on batches scaled down to
`--low-res-size`, the rest and serving at the recipe's size; the run says so, and the checkpoint serves
at the full size."""

import json
from pathlib import Path

import pytest
import torch

from ml.model.checkpoint import load_detector
from ml.training import train
from ml.training.loop import scaled_down
from ml.training.recipes import recipe_from

from .conftest import TINY_TRAINING, config_from


def test_a_batch_of_sequences_is_scaled_down_frame_by_frame_and_left_alone_without_a_size():
    x = torch.zeros(2, 3, 3, 64, 64)
    x[1, 2] = 1.0  # one frame bright: it must stay that frame after resizing
    small = scaled_down(x, 32)
    assert small.shape == (2, 3, 3, 32, 32)
    assert small[1, 2].mean().item() == pytest.approx(1.0) and small[1, 1].abs().max().item() == 0.0
    assert scaled_down(x, None) is x and scaled_down(x, 64) is x


def test_only_the_first_n_epochs_train_small_and_only_where_small_is_smaller():
    recipe = recipe_from("finetune", low_res_epochs=2)
    assert [recipe.step_size(e, "cpu") for e in (1, 2, 3, 15)] == [112, 112, None, None]
    assert recipe.step_size(1, "cuda") == 112  # 224 px on a GPU
    assert recipe_from("finetune", low_res_epochs=2, image_size=112).step_size(1, "cpu") is None
    assert recipe_from("finetune").step_size(1, "cpu") is None  # the default recipe: off


def test_as_many_low_res_epochs_as_epochs_or_a_tiny_size_is_refused_in_a_sentence():
    assert config_from("--data", "d", "--low-res-epochs", "7").recipe.low_res_epochs == 7
    with pytest.raises(ValueError, match=r"--low-res-epochs must be within 0\.\.14 \(fewer than the epochs\), not 15"):
        config_from("--data", "d", "--low-res-epochs", "15")  # the model would never train at its serving size
    with pytest.raises(ValueError, match="--low-res-size must be at least 32 px, not 16"):
        config_from("--data", "d", "--low-res-epochs", "1", "--low-res-size", "16")


def test_a_low_res_size_not_below_the_training_size_is_refused_not_silently_ignored():
    with pytest.raises(ValueError, match="--low-res-size 112 is not below the 112 px this recipe trains at on cpu"):
        config_from("--data", "d", "--device", "cpu", "--image-size", "112", "--low-res-epochs", "8")
    assert config_from("--data", "d", "--device", "cpu", "--image-size", "112").recipe.low_res_epochs == 0


def test_a_run_trains_its_first_epoch_small_says_so_and_serves_at_full_size(tiny_dataset, tiny_cache, tmp_path):
    out = tmp_path / "run"
    result = train.main(["--data", str(tiny_dataset), "--output", str(out), "--cache-dir", str(tiny_cache),
                         *TINY_TRAINING, "--low-res-epochs", "1", "--low-res-size", "32"])
    history = json.loads((out / "metrics.json").read_text())["history"]
    assert [h["image_size"] for h in history] == [32, 64]
    log = (out / "train.log").read_text()
    assert "at 32 px for 1 epoch, then 64 px on cpu" in log
    assert "epoch 1/2  loss" in log and ", at 32 px)" in log.split("epoch 1/2  loss")[1].splitlines()[0]
    detector = load_detector(result["checkpoint"], "cpu")
    assert detector.preprocessing["image_size"] == 64
    assert json.loads((out / "card.json").read_text())["size_schedule"] == "32 px for 1 epoch, then 64 px"
    assert Path(result["checkpoint"]).is_file()
