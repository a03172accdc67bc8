"""The detector: a frame encoder (ResNeXt or EfficientNet-Lite, see ml/model/backbones.py) into an LSTM
("Deepfake detection using ResNeXt and LSTM").

A config dataclass and the module built from it; no file I/O and no device picking (see weights.py).

Per frame, the backbone gives a pooled feature vector. An LSTM (2048 hidden) reads the sequence; the
head (LeakyReLU -> Dropout 0.4 -> Linear to two classes) is applied, as in the method, to the mean of
the LSTM outputs over time for the sequence's logits, and also to each step's output for a per-frame
timeline. The LSTM runs forwards, so step t's logits have seen frames 0..t only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn

from ml.model import backbones
from ml.model.backbones import BACKBONES  # noqa: F401  (re-exported: the names a config may use)


@dataclass
class ModelConfig:
    backbone: str = "resnext50_32x4d"  # see ml.model.backbones.BACKBONES
    lstm_hidden: int = 2048
    lstm_layers: int = 1
    dropout: float = 0.4
    num_classes: int = 2  # index 0 = real, 1 = fake
    feature_dim: int = 0  # 0: what the backbone gives (filled in)

    def __post_init__(self):
        if not self.feature_dim:
            self.feature_dim = backbones.spec(self.backbone).feature_dim


class DetectorOutput(NamedTuple):
    logits: torch.Tensor  # (B, num_classes) for the whole sequence
    step_logits: torch.Tensor  # (B, T, num_classes), the head applied at each step
    steps: torch.Tensor | None = None  # (B, T, lstm_hidden), the LSTM's output the head read at each step


class DeepfakeDetector(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.backbone = backbones.build(config.backbone)
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
        self.bn_statistics_frozen = False  # see freeze_bn_statistics

    def encode_frames(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, 3, H, W) images -> (B, T, feature_dim) backbone features."""
        b, t = x.shape[:2]
        feats = self.backbone(x.flatten(0, 1))
        return feats.reshape(b, t, -1)

    def classify_features(self, feats: torch.Tensor) -> DetectorOutput:
        """(B, T, feature_dim) features -> sequence and per-step logits."""
        steps, _ = self.lstm(feats.float())
        return DetectorOutput(self._head(steps.mean(dim=1)), self._head(steps), steps)

    def forward(self, x: torch.Tensor) -> DetectorOutput:
        return self.classify_features(self.encode_frames(x))

    def freeze_backbone(self, train_blocks: int) -> None:
        """Train only the top `train_blocks` blocks of the backbone (-1: all of it; 0: none). A Lite's
        blocks are its seven stages then its head conv; a ResNeXt's are layer1..layer4. Frozen parts
        keep their ImageNet batch-norm statistics (see `train`)."""
        if train_blocks < 0:
            return
        blocks = _backbone_blocks(self.backbone)
        if train_blocks > len(blocks):  # a slice from a negative index would train fewer, silently
            raise ValueError(f"train_blocks is {train_blocks}, but {self.config.backbone} has {len(blocks)} blocks "
                             f"(-1 trains the whole backbone)")
        trainable = blocks[len(blocks) - train_blocks:] if train_blocks else []
        self.backbone.requires_grad_(False)
        for block in trainable:
            block.requires_grad_(True)

    def freeze_bn_statistics(self) -> None:
        """Keep every batch norm's running statistics (ImageNet's) while training: each normalises with
        them, in training as in serving, while its scale and shift still train. A training batch holds
        crops of only a few videos, so its own statistics are those videos' (and, in a balanced batch,
        carry its mix of real and fake), which serving never sees."""
        self.bn_statistics_frozen = True
        if self.training:
            self.train()

    def train(self, mode: bool = True):
        super().train(mode)
        if mode:  # batch norm of frozen parts (or all, see freeze_bn_statistics) stays in eval mode
            for module in self.backbone.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm) and (self.bn_statistics_frozen or not any(
                        p.requires_grad for p in module.parameters())):
                    module.eval()
        return self

    def head_parameters(self):
        """Everything but the backbone: the LSTM and the classifier (they train at a higher rate)."""
        return [p for name, p in self.named_parameters() if not name.startswith("backbone.")]

    def _head(self, h: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(self.act(h)))


def _backbone_blocks(backbone: nn.Module) -> list[nn.Module]:
    if hasattr(backbone, "blocks"):  # timm EfficientNet(-Lite): stages, then the head conv + its norm
        return [*backbone.blocks, nn.ModuleList([backbone.conv_head, backbone.bn2])]
    return [backbone.layer1, backbone.layer2, backbone.layer3, backbone.layer4]
