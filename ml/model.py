"""ResNeXt + LSTM deepfake detector ("Deepfake detection using ResNeXt and LSTM").

A config dataclass and the module built from it; no file I/O and no device picking (see weights.py).

Per frame, a torchvision ResNeXt without its classifier gives a 2048-d vector (global average pool).
An LSTM reads the sequence; the head (LeakyReLU -> Dropout -> Linear) is applied, as in the method, to
the mean of the LSTM outputs over time for the sequence's logits, and also to each step's output for a
per-frame timeline. The LSTM runs forwards, so step t's logits have seen frames 0..t only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn
from torchvision import models

BACKBONES = ("resnext50_32x4d", "resnext101_32x8d")


@dataclass
class ModelConfig:
    backbone: str = "resnext50_32x4d"  # or "resnext101_32x8d"
    lstm_hidden: int = 2048
    lstm_layers: int = 1
    dropout: float = 0.4
    num_classes: int = 2  # index 0 = real, 1 = fake
    feature_dim: int = 2048  # what the backbone's pooled output gives; both ResNeXts give 2048


class DetectorOutput(NamedTuple):
    logits: torch.Tensor  # (B, num_classes) for the whole sequence
    step_logits: torch.Tensor  # (B, T, num_classes), the head applied at each step


def build_backbone(name: str) -> nn.Module:
    """A torchvision ResNeXt whose forward returns pooled features (N, 2048), never downloading.

    Only `fc` is replaced: torchvision's avgpool already is AdaptiveAvgPool2d(1), and keeping the
    module names lets ImageNet state dicts load as they are.
    """
    if name not in BACKBONES:
        raise ValueError(f"Unknown backbone {name!r}; choose one of {', '.join(BACKBONES)}.")
    net = getattr(models, name)(weights=None)
    net.fc = nn.Identity()
    return net


class DeepfakeDetector(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.backbone = build_backbone(config.backbone)
        self.lstm = nn.LSTM(
            config.feature_dim,
            config.lstm_hidden,
            config.lstm_layers,
            batch_first=True,
            dropout=config.dropout if config.lstm_layers > 1 else 0.0,
        )
        self.act = nn.LeakyReLU()
        self.dropout = nn.Dropout(config.dropout)
        self.fc = nn.Linear(config.lstm_hidden, config.num_classes)

    def encode_frames(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, 3, H, W) images -> (B, T, feature_dim) backbone features."""
        b, t = x.shape[:2]
        feats = self.backbone(x.flatten(0, 1))
        return feats.view(b, t, -1)

    def classify_features(self, feats: torch.Tensor) -> DetectorOutput:
        """(B, T, feature_dim) features -> sequence and per-step logits. Training on cached
        features of a frozen backbone calls this directly."""
        steps, _ = self.lstm(feats)
        return DetectorOutput(self._head(steps.mean(dim=1)), self._head(steps))

    def forward(self, x: torch.Tensor) -> DetectorOutput:
        return self.classify_features(self.encode_frames(x))

    def _head(self, h: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(self.act(h)))
