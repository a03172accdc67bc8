import pytest
import torch

from ml.errors import CheckpointError
from ml.model import checkpoint
from ml.model.network import ModelConfig
from ml.model.presets import default_preprocessing
from tests.fixtures import REPO


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


def _as_the_old_code_saved_it(path, detector, preprocessing, provenance, format_version=2):
    """The payload save_checkpoint wrote before the extraction was recorded (git show 6a9b89b~1:ml/weights.py):
    written here with torch.save, not through today's save_checkpoint."""
    import dataclasses

    state = {k: v.detach().cpu().half() if v.is_floating_point() else v.detach().cpu()
             for k, v in detector.model.state_dict().items()}
    if format_version == 1:
        state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    torch.save({"format_version": format_version, "state_dict": state, "config": dataclasses.asdict(detector.config),
                "preprocessing": preprocessing, "class_order": ["real", "fake"], "threshold": 0.5,
                "uncertain_band": 0.1, "metrics": {}, "provenance": provenance, "extra": {}}, path)
    return path


def test_a_checkpoint_written_before_extraction_was_recorded_gets_it_from_its_training_options(small_detector, tmp_path):
    from ml.media.faces import FaceSettings
    from ml.training.face_cache import ExtractSettings

    old = default_preprocessing()
    old["faces"] = FaceSettings(crop_size=224, margin=0.25).as_dict()
    args = {"data": "/d", "extract_frames": 40, "crop_size": 224, "sampling": "first", "cv": None}
    path = _as_the_old_code_saved_it(tmp_path / "old.pt", small_detector, old, {"trained": True, "args": args})
    loaded = checkpoint.load_detector(path, device="cpu")
    assert loaded.config == ModelConfig(lstm_hidden=64)
    assert loaded.preprocessing["extraction"] == {"frames": 40, "sampling": "first"}
    settings = ExtractSettings.from_preprocessing(loaded.preprocessing)
    assert (settings.frames, settings.sampling, settings.faces.crop_size, settings.faces.margin) == (40, "first", 224, 0.25)


def test_a_checkpoint_that_never_recorded_its_extraction_falls_back_to_the_cache_defaults(small_detector, tmp_path):
    from ml.media.faces import CROP_SIZE, MARGIN
    from ml.training.face_cache import EXTRACT_FRAMES, SAMPLING, ExtractSettings

    old = default_preprocessing()
    old.pop("faces")  # format 1: no face settings either
    path = _as_the_old_code_saved_it(tmp_path / "v1.pt", small_detector, old, {"backbone_init": "random"}, 1)
    loaded = checkpoint.load_detector(path, device="cpu")
    assert "extraction" not in loaded.preprocessing
    settings = ExtractSettings.from_preprocessing(loaded.preprocessing)
    assert (settings.frames, settings.sampling) == (EXTRACT_FRAMES, SAMPLING) == (32, "spread")
    assert (settings.faces.crop_size, settings.faces.margin) == (CROP_SIZE, MARGIN) == (112, 0.3)


PUBLISHED = sorted((REPO.parent / "shared" / "models").glob("*/model.pt"))


@pytest.mark.skipif(not PUBLISHED, reason="no published model under ../shared/models (it lives outside git)")
def test_a_published_model_made_by_the_old_code_loads_with_the_extraction_it_was_trained_with():
    from ml.training.face_cache import ExtractSettings

    ckpt = checkpoint.load_checkpoint(PUBLISHED[-1])
    settings = ExtractSettings.from_preprocessing(ckpt["preprocessing"])
    options = ckpt["provenance"]["args"]  # what the old code's training run was given
    assert (settings.frames, settings.sampling) == (options["extract_frames"], options.get("sampling", "spread"))
    assert (settings.faces.crop_size, settings.faces.margin) == (options["crop_size"], ckpt["preprocessing"]["faces"]["margin"])
