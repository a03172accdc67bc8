import logging

import torch

from ml.model import backbones, checkpoint
from ml.model.network import DeepfakeDetector, ModelConfig


def test_without_imagenet_weights_it_warns_which_file_it_looked_for(monkeypatch, tmp_path, caplog):
    monkeypatch.delenv(checkpoint.BACKBONE_WEIGHTS_ENV, raising=False)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    model = DeepfakeDetector(ModelConfig(lstm_hidden=8))
    with caplog.at_level(logging.WARNING, logger="ml.model.backbones"):
        assert checkpoint.load_backbone_weights(model) == "random"
    assert str(tmp_path / "checkpoints" / "resnext50_32x4d-1a0047aa.pth") in caplog.text


def test_it_loads_imagenet_weights_named_by_the_environment(monkeypatch, tmp_path):
    source = backbones.build("resnext50_32x4d")
    state = {**source.state_dict(), "fc.weight": torch.zeros(1000, 2048), "fc.bias": torch.zeros(1000)}
    torch.save(state, tmp_path / "imagenet.pth")
    monkeypatch.setenv(checkpoint.BACKBONE_WEIGHTS_ENV, str(tmp_path / "imagenet.pth"))
    model = DeepfakeDetector(ModelConfig(lstm_hidden=8))
    assert checkpoint.load_backbone_weights(model) == f"imagenet:{tmp_path / 'imagenet.pth'}"
    assert torch.equal(model.backbone.conv1.weight, source.conv1.weight)
