"""`--frozen-bn`: batch norm normalises with its ImageNet statistics while training, so a batch of a few
videos does not set them, while its scale and shift still train; the run and its card say so."""

import json

import torch
from torch import nn

from ml.model.checkpoint import load_checkpoint, load_detector
from ml.training import train
from ml.training.config import TrainConfig
from ml.training.loop import build_model, sequence_loss
from ml.training.recipes import recipe_from

from .conftest import TINY_TRAINING, config_from


def batch_norms(model):
    return [m for m in model.backbone.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


def one_step(recipe):
    torch.manual_seed(0)
    model, _, _ = build_model(recipe)
    model.train()
    before = [(m.running_mean.clone(), m.weight.detach().clone()) for m in batch_norms(model)]
    optimizer = torch.optim.AdamW(model.parameters(), 1e-2)
    loss = sequence_loss(model(torch.randn(2, 3, 3, 64, 64) * 3 + 1), torch.tensor([0, 1]), 0.5)
    loss.backward()
    optimizer.step()
    return model, before


def test_frozen_bn_keeps_the_running_statistics_but_trains_scale_and_shift():
    model, before = one_step(recipe_from("finetune", frozen_bn=True, lstm_hidden=16))
    norms = batch_norms(model)
    assert norms and all(not m.training for m in norms) and model.training
    assert all(torch.equal(m.running_mean, mean) for m, (mean, _) in zip(norms, before))
    assert any(not torch.equal(m.weight, weight) for m, (_, weight) in zip(norms, before))
    model.eval()
    model.train()  # a look at the held-out videos (--score-every) must not unfreeze them
    assert all(not m.training for m in batch_norms(model))


def test_by_default_batch_norm_learns_the_training_batches_statistics():
    model, before = one_step(recipe_from("finetune", lstm_hidden=16))
    norms = batch_norms(model)
    assert all(m.training for m in norms)
    assert any(not torch.equal(m.running_mean, mean) for m, (mean, _) in zip(norms, before))


def test_the_option_reaches_the_recipe():
    assert config_from("--data", "d", "--frozen-bn").recipe.frozen_bn is True
    assert config_from("--data", "d").recipe.frozen_bn is False


def test_a_run_with_frozen_bn_says_so_and_its_checkpoint_serves(tiny_dataset, tiny_cache, tmp_path):
    out = tmp_path / "run"
    result = train.main(["--data", str(tiny_dataset), "--output", str(out), "--cache-dir", str(tiny_cache),
                         *TINY_TRAINING, "--frozen-bn"])
    assert "batch-norm statistics frozen" in (out / "train.log").read_text()
    card = json.loads((out / "card.json").read_text())
    assert card["trained"] == "whole backbone + LSTM + head (fine-tuned, batch-norm statistics frozen)"
    assert card["frozen_bn"] is True
    stored = load_checkpoint(result["checkpoint"])["provenance"]["args"]
    assert TrainConfig.from_dict(stored).recipe.frozen_bn is True  # a retrain from the checkpoint keeps it
    assert load_detector(result["checkpoint"], "cpu").preprocessing["image_size"] == 64
