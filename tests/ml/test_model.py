import pytest
import torch

from ml.model.network import DeepfakeDetector, ModelConfig


def test_the_default_config_is_the_methods_model():
    config = ModelConfig()
    assert (config.backbone, config.lstm_hidden, config.lstm_layers, config.dropout, config.num_classes) == (
        "resnext50_32x4d", 2048, 1, 0.4, 2)


def test_it_returns_sequence_and_per_frame_logits_whose_softmax_sums_to_one():
    model = DeepfakeDetector(ModelConfig(lstm_hidden=16)).eval()
    with torch.inference_mode():
        out = model(torch.randn(2, 3, 3, 32, 32))
    assert out.logits.shape == (2, 2)
    assert out.step_logits.shape == (2, 3, 2)
    assert torch.allclose(out.logits.softmax(-1).sum(-1), torch.ones(2))


def test_cached_features_give_the_same_logits_as_images():
    model = DeepfakeDetector(ModelConfig(lstm_hidden=16)).eval()
    x = torch.randn(1, 2, 3, 32, 32)
    with torch.inference_mode():
        feats = model.encode_frames(x)
        assert feats.shape == (1, 2, 2048)
        assert torch.allclose(model.classify_features(feats).logits, model(x).logits)


def test_freezing_all_but_the_top_two_lite_blocks_trains_only_them_and_keeps_frozen_batchnorm_fixed():
    from ml.model.network import DeepfakeDetector, ModelConfig

    model = DeepfakeDetector(ModelConfig(backbone="efficientnet_lite0", lstm_hidden=8))
    model.freeze_backbone(2)
    trainable = {n.split(".")[0] for n, p in model.backbone.named_parameters() if p.requires_grad}
    assert trainable == {"blocks", "conv_head", "bn2"}
    assert not any(p.requires_grad for p in model.backbone.blocks[4].parameters())
    assert all(p.requires_grad for p in model.backbone.blocks[6].parameters())
    model.train()
    assert not model.backbone.bn1.training and model.backbone.bn2.training


def test_asking_to_train_more_backbone_blocks_than_there_are_is_refused_not_misread():
    # A ResNeXt has 4 blocks: "the top 6" once sliced from a negative index and trained only the top 2.
    model = DeepfakeDetector(ModelConfig(backbone="resnext50_32x4d", lstm_hidden=8))
    with pytest.raises(ValueError, match="has 4 blocks"):
        model.freeze_backbone(6)
    model.freeze_backbone(4)  # all four: only the stem stays frozen
    assert all(p.requires_grad for p in model.backbone.layer1.parameters())
    assert not any(p.requires_grad for p in model.backbone.conv1.parameters())


def test_each_backbones_spec_counts_the_blocks_freezing_counts():
    from ml.model.backbones import spec
    from ml.model.network import _backbone_blocks

    for name in ("efficientnet_lite0", "resnext50_32x4d"):
        model = DeepfakeDetector(ModelConfig(backbone=name, lstm_hidden=8))
        assert len(_backbone_blocks(model.backbone)) == spec(name).blocks, name
