"""How a training step computes: the autocast dtype and the memory layout, chosen per device.

- "cuda-bf16" (default, the behaviour before this option existed): bf16 autocast and channels-last on
  CUDA, fp32 channels-last on a CPU.
- "auto": bf16 wherever the hardware runs it natively (CUDA; a CPU with AVX-512 BF16 or AMX, which
  oneDNN then uses), fp32 elsewhere. Opt-in until 5-fold CV shows bf16 does not lower the AUC (the
  command is in docs/training.md).
- "bf16": bf16 autocast on any device (emulated, so slow, on a CPU without native bf16).
Every mode runs channels-last: oneDNN's CPU convolutions (EfficientNet's depthwise ones above all) are
faster in that layout, and it changes no arithmetic, only the order of the same fp32 sums. bench/train.py
on this 2-core EPYC, quiet, 2 threads, one run (crops/s, ratio to contiguous fp32): fp32 25.0, fp32
channels-last 45.7 (1.83x), bf16 56.0 (2.24x), bf16 channels-last 76.9 (3.08x); with 1 thread 15.4,
28.5, 35.9, 42.6.
- "fp32": no autocast anywhere.

The LSTM input and the losses stay fp32 (ml.model.network casts the features; ml.training.loop the
logits), as on CUDA.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch

PRECISIONS = ("cuda-bf16", "auto", "bf16", "fp32")
DEFAULT_PRECISION = "cuda-bf16"


@dataclass(frozen=True)
class StepMode:
    autocast: torch.dtype | None  # None: fp32
    channels_last: bool
    device_type: str  # "cuda" | "cpu"

    def autocast_context(self):
        if self.autocast is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.autocast)

    def describe(self) -> str:
        return ("bf16 autocast" if self.autocast is not None else "fp32") + (", channels-last" if self.channels_last else "")


def native_bf16_cpu() -> bool:
    """Whether this CPU has bf16 instructions oneDNN uses (AVX-512 BF16 or AMX), rather than emulating."""
    cpu = torch.cpu
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(cpu, name, lambda: False)() for name in checks)


def step_mode(precision: str, device: str) -> StepMode:
    """The autocast dtype and layout a training step uses for `precision` on `device`."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    kind = torch.device(device).type
    cuda = kind == "cuda"
    bf16 = {"cuda-bf16": cuda, "auto": cuda or native_bf16_cpu(), "bf16": True, "fp32": False}[precision]
    # Channels-last helps tensor cores and oneDNN's CPU kernels alike, in fp32 as in bf16 (see above).
    return StepMode(torch.bfloat16 if bf16 else None, channels_last=True, device_type=kind)
