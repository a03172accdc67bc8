"""How a training step computes: the autocast dtype and the memory layout, chosen per device.

- "cuda-bf16" (the "method" recipe's, and every recipe's before this option existed): bf16 autocast and
  channels-last on CUDA, fp32 channels-last on a CPU.
- "auto" (the "finetune" recipes', since 5-fold CV scored it as fp32: ml/training/recipes.py): bf16
  wherever the hardware runs it natively (CUDA; a CPU with AVX-512 BF16 or AMX, which oneDNN then uses),
  fp32 elsewhere.
- "bf16": bf16 autocast on any device (emulated, so slow, on a CPU without native bf16).
Every mode runs channels-last: oneDNN's CPU convolutions (EfficientNet's depthwise ones above all) are
faster in that layout, and it changes no arithmetic, only the order of the same fp32 sums. bench/train.py
on the 2-core AMD EPYC of earlier sessions, quiet, 2 threads, one run (crops/s, ratio to contiguous fp32): fp32 25.0, fp32
channels-last 45.7 (1.83x), bf16 56.0 (2.24x), bf16 channels-last 76.9 (3.08x); with 1 thread 15.4,
28.5, 35.9, 42.6.
- "fp32": no autocast anywhere.

Depthwise convolutions can be the exception. On some CPUs oneDNN's bf16 depthwise backward is far slower
than its fp32 one: on a 2-core Intel Xeon with AMX (2026-12-06) EfficientNet-Lite0's 16 depthwise
convolutions took 5-7x longer backwards in bf16, so bf16 channels-last ran at 0.8x fp32 channels-last.
A CPU bf16 mode therefore times one depthwise backward both ways once per process (`depthwise_bf16_slow`,
about a second) and, where bf16 loses, runs the depthwise convolutions in fp32 inside the bf16 step
(`fp32_depthwise`; DEEPTRACE_FP32_DEPTHWISE=1 or 0 forces the choice): 1.26x fp32 channels-last there,
1.45x plain bf16 (bench/train.py). The batch norm and activation after each depthwise convolution then
run in fp32 too (CPU autocast keeps batch norm in its input's type); the next pointwise convolution
casts back to bf16.

The LSTM input and the losses stay fp32 (ml.model.network casts the features; ml.training.loop the
logits), as on CUDA.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
from dataclasses import dataclass

import torch

PRECISIONS = ("cuda-bf16", "auto", "bf16", "fp32")
DEFAULT_PRECISION = "cuda-bf16"


@dataclass(frozen=True)
class StepMode:
    autocast: torch.dtype | None  # None: fp32
    channels_last: bool
    device_type: str  # "cuda" | "cpu"
    fp32_depthwise: bool = False  # depthwise convolutions leave autocast (see the module docstring)

    def autocast_context(self):
        if self.autocast is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.autocast)

    @contextlib.contextmanager
    def applied_to(self, model: torch.nn.Module):
        """The model as the steps need it while the block runs: channels-last (kept afterwards, it is
        only a layout) and, with `fp32_depthwise`, its depthwise convolutions in fp32 (undone after)."""
        if self.channels_last:
            model.to(memory_format=torch.channels_last)
        handles = fp32_depthwise_hooks(model, self.device_type) if self.fp32_depthwise else []
        try:
            yield model
        finally:
            for handle in handles:
                handle.remove()

    def describe(self) -> str:
        return (("bf16 autocast" if self.autocast is not None else "fp32")
                + (" (depthwise convolutions in fp32)" if self.fp32_depthwise else "")
                + (", channels-last" if self.channels_last else ""))


def is_depthwise(module: torch.nn.Module) -> bool:
    return isinstance(module, torch.nn.Conv2d) and module.groups > 1 and module.groups == module.in_channels


def fp32_depthwise_hooks(model: torch.nn.Module, device_type: str) -> list:
    """Hooks that run every depthwise convolution of `model` in fp32 with autocast off (its input cast up),
    whatever their class's forward does (timm's same-padding convolutions pad first); the rest of the step
    stays under autocast. Returns the hook handles, for removal."""
    saved = threading.local()  # autocast state is per thread, so is what the hooks set aside

    def leave_autocast(module, args):
        saved.__dict__.setdefault("stack", []).append(torch.is_autocast_enabled(device_type))
        torch.set_autocast_enabled(device_type, False)
        return (args[0].float(), *args[1:])

    def restore_autocast(module, args, output):
        torch.set_autocast_enabled(device_type, saved.stack.pop())

    handles = []
    for module in model.modules():
        if is_depthwise(module):
            handles += [module.register_forward_pre_hook(leave_autocast),
                        # always_call: autocast comes back even when the convolution raises
                        module.register_forward_hook(restore_autocast, always_call=True)]
    return handles


FP32_DEPTHWISE_ENV = "DEEPTRACE_FP32_DEPTHWISE"  # "1" or "0" forces the choice; unset: timed


def fp32_depthwise_wanted() -> bool:
    forced = os.environ.get(FP32_DEPTHWISE_ENV, "").strip()
    return forced == "1" if forced in ("0", "1") else depthwise_bf16_slow()


@functools.cache
def depthwise_bf16_slow() -> bool:
    """Whether a bf16 depthwise convolution's forward + backward is over 1.2x slower than fp32's on this CPU
    (a Lite0 shape, best of three each, at the process's thread count). Measured once per process, with its
    own random numbers, so a seeded run draws the same ones whether or not this ran before it."""
    with torch.random.fork_rng(devices=[]), torch.autocast("cpu", enabled=False), torch.enable_grad():
        conv = torch.nn.Conv2d(240, 240, 5, padding=2, groups=240).to(memory_format=torch.channels_last)
        x = torch.randn(64, 240, 14, 14).to(memory_format=torch.channels_last)

        def best(dtype) -> float:
            layer, inp = conv.to(dtype), x.to(dtype).requires_grad_()
            times = []
            for _ in range(4):
                start = time.perf_counter()
                layer(inp).sum().backward()
                times.append(time.perf_counter() - start)
            return min(times[1:])

        return best(torch.bfloat16) > 1.2 * best(torch.float32)


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
    return StepMode(torch.bfloat16 if bf16 else None, channels_last=True, device_type=kind,
                    fp32_depthwise=bf16 and kind == "cpu" and fp32_depthwise_wanted())
