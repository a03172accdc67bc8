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
from torchvision import models

from ml.errors import CheckpointError
from ml.model import DeepfakeDetector, ModelConfig
from ml.presets import default_preprocessing
from ml.results import CLASS_NAMES

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
BACKBONE_WEIGHTS_ENV = "DEEPTRACE_BACKBONE_WEIGHTS"
_WEIGHT_ENUMS = {
    "resnext50_32x4d": models.ResNeXt50_32X4D_Weights,
    "resnext101_32x8d": models.ResNeXt101_32X8D_Weights,
}
_REQUIRED_KEYS = ("state_dict", "config", "preprocessing", "class_order", "threshold", "uncertain_band")


# --- ImageNet backbone weights -------------------------------------------------------------------


def backbone_weight_candidates(backbone: str, path: str | os.PathLike | None = None) -> list[Path]:
    """Where ImageNet weights are looked for, in order: `path`, $DEEPTRACE_BACKBONE_WEIGHTS, then
    torchvision's cache under the standard file names (V2 first, then V1)."""
    explicit = [Path(p) for p in (path, os.environ.get(BACKBONE_WEIGHTS_ENV)) if p]
    cache = Path(torch.hub.get_dir()) / "checkpoints"
    names = [w.url.rsplit("/", 1)[-1] for w in reversed(list(_WEIGHT_ENUMS[backbone]))]
    return explicit + [cache / name for name in names]


def load_backbone_weights(model: DeepfakeDetector, path: str | os.PathLike | None = None) -> str:
    """Load ImageNet weights into `model.backbone` if a file exists; return the provenance,
    "imagenet:<path>" or "random"."""
    candidates = backbone_weight_candidates(model.config.backbone, path)
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        log.warning(
            "No ImageNet weights for %s: looked for %s. The backbone stays randomly initialised.",
            model.config.backbone, ", ".join(str(p) for p in candidates),
        )
        return "random"
    state = torch.load(found, map_location="cpu", weights_only=True)
    state = {k: v for k, v in state.items() if not k.startswith("fc.")}  # ImageNet classifier
    missing, unexpected = model.backbone.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise CheckpointError(f"The file {found} does not hold {model.config.backbone} ImageNet weights.")
    return f"imagenet:{found}"


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
) -> Path:
    """Write the one checkpoint format (plain types only) atomically: temp file, then os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format_version": FORMAT_VERSION,
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "config": dataclasses.asdict(config),
        "preprocessing": dict(preprocessing),
        "class_order": list(CLASS_NAMES),
        "threshold": float(threshold),
        "uncertain_band": float(uncertain_band),
        "metrics": dict(metrics),
        "provenance": dict(provenance),
        "extra": dict(extra or {}),
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
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
    return ckpt


def _validate(ckpt, path: Path) -> None:
    if not isinstance(ckpt, dict) or ckpt.get("format_version") != FORMAT_VERSION:
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
    )


def random_detector(config: ModelConfig | None = None, device: str = "cpu", seed: int = 0) -> Detector:
    """An untrained detector (seeded, so runs repeat) for tests, benchmarks and development."""
    config = config or ModelConfig()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = DeepfakeDetector(config)
    return Detector(model.to(device).eval(), config, default_preprocessing(), 0.5, 0.1, device, "random")


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
