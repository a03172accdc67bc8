"""Backbone weights from local files, the one checkpoint format, and loading a ready detector.

Nothing here downloads: ImageNet weights are used only when a file is already on disk.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch

from ml.decision import DEFAULT_THRESHOLD, DEFAULT_UNCERTAIN_BAND
from ml.errors import CheckpointError
from ml.model import backbones
from ml.model.network import DeepfakeDetector, ModelConfig
from ml.model.presets import default_preprocessing
from ml.results import CLASS_NAMES

log = logging.getLogger(__name__)

# 2: float weights stored as fp16 (read back as fp32); preprocessing carries the face settings and,
#    for a trained model, the extraction (frames per video, sampling). The extraction is an optional key
#    (readers of format 2 that predate it ignore it), so it kept the version; checkpoints written before
#    it get it back from their provenance on load (_with_extraction). "calibration" (ml/model/calibration.py)
#    is optional too: a checkpoint without it serves its probabilities as trained.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
BACKBONE_WEIGHTS_ENV = backbones.BACKBONE_WEIGHTS_ENV
_REQUIRED_KEYS = ("state_dict", "config", "preprocessing", "class_order", "threshold", "uncertain_band")


# --- ImageNet backbone weights -------------------------------------------------------------------


def load_backbone_weights(model: DeepfakeDetector, path: str | os.PathLike | None = None) -> str:
    """Load ImageNet weights into `model.backbone` if a file exists; return the provenance,
    "imagenet:<path>" or "random"."""
    return backbones.load_imagenet(model.backbone, model.config.backbone, path)


# --- Checkpoints -----------------------------------------------------------------------------------


def save_checkpoint(
    path: str | os.PathLike,
    model: DeepfakeDetector,
    config: ModelConfig,
    *,
    preprocessing: dict,
    metrics: dict,
    provenance: dict,
    threshold: float,
    uncertain_band: float,
    extra: dict | None = None,
    calibration: dict | None = None,
) -> Path:
    """Write the one checkpoint format (plain types only) atomically: temp file, then os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format_version": FORMAT_VERSION,
        "state_dict": _fp16(model.state_dict()),
        "config": dataclasses.asdict(config),
        "preprocessing": dict(preprocessing),
        "class_order": list(CLASS_NAMES),
        "threshold": float(threshold),
        "uncertain_band": float(uncertain_band),
        "metrics": dict(metrics),
        "provenance": dict(provenance),
        "extra": dict(extra or {}),
    }
    if calibration:
        payload["calibration"] = dict(calibration)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a model is meant to be read by the worker
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read and validate a checkpoint; CheckpointError with a readable sentence when it is not one."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"The model file {path} does not exist.")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(f"The model file {path} cannot be read as a checkpoint ({exc.__class__.__name__}).") from exc
    _validate(ckpt, path)
    ckpt["state_dict"] = {k: v.float() if v.is_floating_point() else v for k, v in ckpt["state_dict"].items()}
    ckpt["preprocessing"] = _with_extraction(ckpt["preprocessing"], ckpt.get("provenance") or {})
    return ckpt


def _with_extraction(preprocessing: dict, provenance: dict) -> dict:
    """Preprocessing with its "extraction" where the checkpoint holds it. Trained checkpoints written
    before it was recorded kept the training options in provenance["args"] (extract_frames, sampling);
    what neither records is left out, and readers fall back to the training cache's defaults
    (ml.training.face_cache.ExtractSettings.from_preprocessing)."""
    if "extraction" in preprocessing:
        return preprocessing
    args = provenance.get("args") or {}
    old = {"frames": args.get("extract_frames"), "sampling": args.get("sampling")}
    old = {k: v for k, v in old.items() if v is not None}
    return {**preprocessing, "extraction": old} if old else preprocessing


def _fp16(state: dict) -> dict:
    """Float tensors as fp16: half the file (a Lite0 + LSTM model is ~60 MB, not ~120); the precision
    lost is far below what changes a verdict (see tests/ml/test_checkpoint.py)."""
    return {k: (v.detach().cpu().half() if v.is_floating_point() else v.detach().cpu()) for k, v in state.items()}


def _validate(ckpt, path: Path) -> None:
    if not isinstance(ckpt, dict) or ckpt.get("format_version") not in READABLE_VERSIONS:
        found = ckpt.get("format_version") if isinstance(ckpt, dict) else None
        raise CheckpointError(
            f"The model file {path} has checkpoint format {found!r}; this version of DeepTrace reads "
            f"format {FORMAT_VERSION}."
        )
    missing = [k for k in _REQUIRED_KEYS if k not in ckpt]
    if missing:
        raise CheckpointError(f"The model file {path} lacks {', '.join(missing)}.")
    if list(ckpt["class_order"]) != list(CLASS_NAMES):
        raise CheckpointError(
            f"The model file {path} orders its classes {list(ckpt['class_order'])}; DeepTrace needs "
            f"{list(CLASS_NAMES)} (index 0 real, 1 fake)."
        )


# --- Ready-to-use detectors ------------------------------------------------------------------------


@dataclass
class Detector:
    model: DeepfakeDetector  # in eval mode, on `device`
    config: ModelConfig
    preprocessing: dict  # image_size, mean, std, frames
    threshold: float
    uncertain_band: float
    device: str
    name: str
    sha256: str = ""
    # Set by ml.serving.acceleration.accelerate: the backbone runs under autocast to this dtype (None: float32).
    autocast_dtype: torch.dtype | None = None
    calibration: dict | None = None  # applied to served probabilities (ml/model/calibration.py); None: as trained


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_detector(path: str | os.PathLike, device: str | None = None) -> Detector:
    ckpt = load_checkpoint(path)
    device = device or default_device()
    config = _config_from(ckpt["config"], path)
    model = DeepfakeDetector(config)
    try:
        model.load_state_dict(ckpt["state_dict"])
    except RuntimeError as exc:
        raise CheckpointError(f"The weights in {path} do not fit a {config.backbone} detector.") from exc
    return Detector(
        model=model.to(device).eval(),
        config=config,
        preprocessing=dict(ckpt["preprocessing"]),
        threshold=float(ckpt["threshold"]),
        uncertain_band=float(ckpt["uncertain_band"]),
        device=device,
        name=Path(path).stem,
        sha256=file_sha256(path),
        calibration=ckpt.get("calibration"),
    )


def random_detector(config: ModelConfig | None = None, device: str = "cpu", seed: int = 0) -> Detector:
    """An untrained detector (seeded, so runs repeat) for tests, benchmarks and development."""
    config = config or ModelConfig()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = DeepfakeDetector(config)
    preprocessing = default_preprocessing(backbone=config.backbone)
    return Detector(model.to(device).eval(), config, preprocessing, DEFAULT_THRESHOLD, DEFAULT_UNCERTAIN_BAND, device,
                    "random")


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _config_from(stored: dict, path) -> ModelConfig:
    try:
        return ModelConfig(**stored)
    except TypeError as exc:
        raise CheckpointError(f"The model file {path} describes a model this version cannot build ({exc}).") from exc


def save_random_checkpoint(path: str | os.PathLike, config: ModelConfig | None = None, seed: int = 0) -> Path:
    """Save an untrained detector in the checkpoint format: for trying the product end to end and for
    tests. Its verdicts mean nothing, and its provenance says so."""
    detector = random_detector(config, seed=seed)
    return save_checkpoint(
        path,
        detector.model,
        detector.config,
        preprocessing=detector.preprocessing,
        metrics={},
        provenance={"backbone_init": "random", "trained": False, "note": "untrained: verdicts are meaningless"},
        threshold=detector.threshold,
        uncertain_band=detector.uncertain_band,
    )
