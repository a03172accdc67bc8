"""The command line becomes one typed, frozen TrainConfig; the library takes that, and a trained
checkpoint keeps it as plain data that rebuilds it."""

import dataclasses
import json

import pytest

from ml.model.checkpoint import default_device, load_checkpoint
from ml.training.config import TrainConfig
from ml.training.face_cache import ExtractSettings

from .conftest import TINY_TRAINING, config_from


def test_the_command_line_becomes_a_config_with_the_recipe_and_extraction_resolved():
    config = config_from("--data", "d", "--recipe", "method", "--lstm-hidden", "16", "--extract-frames", "6",
                         "--crop-size", "64", "--sampling", "first", "--cv", "3", "--final")
    assert config.recipe.name == "method" and config.recipe.backbone == "resnext50_32x4d"
    assert config.recipe.lstm_hidden == 16 and config.recipe.epochs == 20  # the override, the rest the recipe's
    assert (config.extract.frames, config.extract.sampling, config.extract.faces.crop_size) == (6, "first", 64)
    assert (config.cv, config.final, config.device) == (3, True, default_device())


def test_the_defaults_cut_the_cache_as_prepare_dataset_and_the_library_do():
    config = config_from("--data", "d")
    assert config.extract == ExtractSettings()
    assert (config.extract.frames, config.extract.sampling, config.extract.faces.crop_size) == (32, "spread", 224)
    assert config == TrainConfig(data="d", device=default_device())  # argparse's defaults are the config's


def test_the_config_is_frozen():
    config = config_from("--data", "d")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.seed = 1


def test_a_config_refuses_one_fold_and_an_unknown_threshold_rule():
    with pytest.raises(ValueError, match="at least 2 folds"):
        TrainConfig(data="d", cv=1)
    with pytest.raises(ValueError, match="threshold_rule"):
        TrainConfig(data="d", threshold_rule="median")


def test_train_blocks_beyond_the_backbone_is_refused_before_any_work_in_a_sentence():
    assert config_from("--data", "d", "--train-blocks", "8").recipe.train_blocks == 8  # Lite0: 7 stages + head
    with pytest.raises(ValueError, match=r"0\.\.8 for efficientnet_lite0, not 9"):
        config_from("--data", "d", "--train-blocks", "9")
    with pytest.raises(ValueError, match=r"0\.\.4 for resnext50_32x4d, not 6"):
        config_from("--data", "d", "--recipe", "method", "--train-blocks", "6")


def test_the_checkpoint_keeps_the_config_as_plain_data_that_rebuilds_it(tiny_run, tiny_dataset, tiny_cache):
    stored = load_checkpoint(tiny_run["checkpoint"])["provenance"]["args"]
    assert json.loads(json.dumps(stored)) == stored  # JSON types only: no Namespace, no paths, no dataclasses
    again = config_from("--data", str(tiny_dataset), "--output", tiny_run["run_dir"], "--cache-dir", str(tiny_cache),
                        *TINY_TRAINING)
    assert TrainConfig.from_dict(stored) == again.portable()  # paths as names: the checkpoint travels
    assert stored["recipe"]["lstm_hidden"] == 16 and stored["extract"]["frames"] == 6

