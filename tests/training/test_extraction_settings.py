"""A trained checkpoint records how its faces were extracted (frames per video, sampling, crop size,
margin), and evaluation extracts the same way unless told otherwise."""

from ml.model.checkpoint import load_checkpoint
from ml.model.presets import make_preprocessing
from ml.training.evaluate import evaluate_checkpoint, extraction_for
from ml.training.face_cache import ExtractSettings


def test_a_trained_checkpoint_records_every_extraction_setting(tiny_run):
    preprocessing = load_checkpoint(tiny_run["checkpoint"])["preprocessing"]
    assert preprocessing["extraction"] == {"frames": 6, "sampling": "spread"}  # --extract-frames 6
    assert preprocessing["faces"]["crop_size"] == 64 and preprocessing["faces"]["margin"] == 0.3


def test_evaluation_extracts_faces_as_the_checkpoint_was_trained(tiny_run, tiny_dataset, tiny_cache):
    report = evaluate_checkpoint(tiny_run["checkpoint"], str(tiny_dataset), cache_dir=str(tiny_cache), bootstrap=20,
                                 progress=False)
    assert report["extraction"]["frames"] == 6 and report["extraction"]["sampling"] == "spread"
    assert report["extraction"]["faces"]["crop_size"] == 64
    assert report["n"] == 8


def test_extract_frames_overrides_only_the_frames_per_video():
    recorded = make_preprocessing("efficientnet_lite0", 112, 16, ExtractSettings().faces, {"frames": 150, "sampling": "first"})
    assert extraction_for(recorded) == ExtractSettings(150, "first")
    assert extraction_for(recorded, 20) == ExtractSettings(20, "first")
