import pytest
import torch

from ml.errors import CheckpointError
from ml.model import checkpoint
from ml.model.network import ModelConfig
from ml.model.presets import default_preprocessing


def _save(path, detector, **overrides):
    args = dict(preprocessing=default_preprocessing(), metrics={"auc": 0.5}, provenance={"backbone_init": "random"},
                threshold=0.6, uncertain_band=0.05)
    return checkpoint.save_checkpoint(path, detector.model, detector.config, **{**args, **overrides})


@pytest.fixture(scope="module")
def saved(tmp_path_factory, small_detector):
    return _save(tmp_path_factory.mktemp("ckpt") / "small.pt", small_detector)


def test_a_saved_detector_loads_back_in_fp32_with_the_same_outputs(saved, small_detector):
    loaded = checkpoint.load_detector(saved, device="cpu")
    assert all(p.dtype == torch.float32 for p in loaded.model.parameters())
    x = torch.randn(1, 2, 3, 64, 64)
    with torch.inference_mode():
        before = torch.softmax(small_detector.model(x).logits, -1)
        after = torch.softmax(loaded.model(x).logits, -1)
    # Stored in fp16: probabilities move by far less than anything that changes a verdict.
    assert torch.allclose(before, after, atol=2e-3)
    assert (loaded.config, loaded.threshold, loaded.uncertain_band) == (ModelConfig(lstm_hidden=64), 0.6, 0.05)
    assert loaded.sha256 == checkpoint.file_sha256(saved) and not loaded.model.training


def test_the_checkpoint_holds_plain_types_and_the_class_order(saved):
    ckpt = checkpoint.load_checkpoint(saved)
    assert ckpt["class_order"] == ["real", "fake"] and ckpt["format_version"] == 2
    assert ckpt["config"]["backbone"] == "resnext50_32x4d" and ckpt["metrics"] == {"auc": 0.5}


def test_it_refuses_a_checkpoint_with_another_class_order(saved, tmp_path):
    ckpt = checkpoint.load_checkpoint(saved)
    ckpt["class_order"] = ["fake", "real"]
    torch.save(ckpt, tmp_path / "swapped.pt")
    with pytest.raises(CheckpointError, match="orders its classes"):
        checkpoint.load_checkpoint(tmp_path / "swapped.pt")


def test_it_refuses_an_unknown_format_version(tmp_path):
    torch.save({"format_version": 99}, tmp_path / "future.pt")
    with pytest.raises(CheckpointError, match="format 99"):
        checkpoint.load_checkpoint(tmp_path / "future.pt")


def test_it_refuses_a_file_that_is_no_checkpoint(clips):
    with pytest.raises(CheckpointError, match="cannot be read"):
        checkpoint.load_checkpoint(clips["text"])


def test_it_explains_a_missing_model_file(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        checkpoint.load_detector(tmp_path / "nowhere.pt")


def test_float_weights_are_stored_as_fp16_so_a_lite_model_stays_small(tmp_path):
    detector = checkpoint.random_detector(ModelConfig(backbone="efficientnet_lite2"))
    path = _save(tmp_path / "lite2.pt", detector, preprocessing=detector.preprocessing)
    raw = torch.load(path, map_location="cpu", weights_only=True)
    floats = [v for v in raw["state_dict"].values() if v.is_floating_point()]
    assert floats and all(v.dtype == torch.float16 for v in floats)
    assert path.stat().st_size < 100 * 2**20  # Lite2 + LSTM(2048): about 70 MB


def test_it_still_reads_format_1_checkpoints_stored_in_fp32(saved, tmp_path):
    ckpt = torch.load(saved, map_location="cpu", weights_only=True)
    ckpt["format_version"] = 1
    ckpt["state_dict"] = {k: v.float() if v.is_floating_point() else v for k, v in ckpt["state_dict"].items()}
    ckpt["preprocessing"].pop("faces")
    torch.save(ckpt, tmp_path / "old.pt")
    loaded = checkpoint.load_detector(tmp_path / "old.pt", device="cpu")
    assert loaded.preprocessing["image_size"] == 112
