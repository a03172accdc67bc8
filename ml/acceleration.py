"""How the detector runs on a given device: reduced precision, memory layout, compilation.

Applied once when a detector is loaded for serving (`accelerate`), never at training time, and read by
the pipeline (`autocast_for`). On a CPU nothing changes by default: float32 is both faster there and
what the numbers in the README were measured with. On a GPU the backbone runs under bf16 autocast
(fp16 where bf16 is not supported) in channels-last layout, which tensor cores want; the LSTM and the
head stay float32, as in training. Compiling the backbone is opt-in: it costs start-up time, and
whether it pays depends on the GPU and the batch sizes.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import torch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Acceleration:
    autocast: str | None = None  # "bfloat16", "float16" or None (float32)
    channels_last: bool = False
    compile: bool = False

    @classmethod
    def for_device(cls, device: str | torch.device, *, compile: bool = False) -> "Acceleration":
        if torch.device(device).type != "cuda":
            return cls(compile=compile)
        dtype = "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
        return cls(autocast=dtype, channels_last=True, compile=compile)


def accelerate(detector, acceleration: Acceleration):
    """Apply `acceleration` to a loaded detector (in place; returned for chaining)."""
    backbone = detector.model.backbone
    if acceleration.channels_last:
        backbone.to(memory_format=torch.channels_last)
    if acceleration.compile:
        # dynamic=True: crop batches vary in size from one call to the next.
        detector.model.backbone = torch.compile(backbone, dynamic=True)
    detector.autocast_dtype = getattr(torch, acceleration.autocast) if acceleration.autocast else None
    log.info("Detector on %s: autocast %s, channels_last %s, compiled %s", detector.device,
             acceleration.autocast or "off", acceleration.channels_last, acceleration.compile)
    return detector


def autocast_for(detector):
    """The autocast context the backbone runs under (a no-op at float32)."""
    dtype = getattr(detector, "autocast_dtype", None)
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=torch.device(detector.device).type, dtype=dtype)
