"""How the detector runs on a given device: reduced precision, memory layout, compilation.

Applied once when a detector is loaded for serving (`accelerate`), never at training time, and read by
the pipeline (`autocast_for`). Serving processes also keep the memory they free for their next batch
(`ml.serving.allocator`): on a CPU that alone gave ~15 % more clips/s. On a CPU the backbone stays float32
(faster there, and what docs/speed.md's numbers were measured with); its thread count can be set
(DEEPTRACE_CPU_THREADS). On a GPU the backbone runs under bf16 autocast (fp16 where bf16 is not
supported) in channels-last layout, which tensor cores want; the LSTM and the head stay float32, as in
training. Compiling the backbone is opt-in: it costs start-up time, and whether it pays depends on
the GPU and the batch sizes.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass

import torch

from ml.serving.allocator import keep_freed_memory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Acceleration:
    autocast: str | None = None  # "bfloat16", "float16" or None (float32)
    channels_last: bool = False
    compile: bool = False
    cpu_threads: int | None = None  # torch's intra-op threads for this process (None: leave as is)

    @classmethod
    def for_device(cls, device: str | torch.device, *, compile: bool = False,
                   cpu_threads: int | None = None) -> "Acceleration":
        if torch.device(device).type != "cuda":
            return cls(compile=compile, cpu_threads=cpu_threads)
        dtype = "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
        return cls(autocast=dtype, channels_last=True, compile=compile, cpu_threads=cpu_threads)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what this process may use (a container's share)
    except AttributeError:
        return os.cpu_count() or 1


def cpu_threads_beside_decoding() -> int:
    """Every core but one, which a decoding thread (ml/media/prefetch.py) then keeps busy. The choice for a
    host whose cores are shared: torch's threads wait for each other at every operation, and MTCNN
    runs thousands of small ones, so one thread held up elsewhere stalls them all (two processes with
    2 threads each on 2 cores: 16-20 s for 20 frames of a 1080p clip, against 1.8 s with 1 thread)."""
    return max(1, available_cores() - 1)


@contextlib.contextmanager
def torch_threads(n: int):
    """torch's intra-op threads set to n for the block, then back (the setting is the process's)."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def accelerate(detector, acceleration: Acceleration):
    """Apply `acceleration` to a loaded detector (in place; returned for chaining)."""
    keep_freed_memory()
    if acceleration.cpu_threads:
        torch.set_num_threads(acceleration.cpu_threads)
    backbone = detector.model.backbone
    if acceleration.channels_last:
        backbone.to(memory_format=torch.channels_last)
    if acceleration.compile:
        # dynamic=True: crop batches vary in size from one call to the next.
        detector.model.backbone = torch.compile(backbone, dynamic=True)
    detector.autocast_dtype = getattr(torch, acceleration.autocast) if acceleration.autocast else None
    log.info("Detector on %s: autocast %s, channels_last %s, compiled %s, %d CPU threads", detector.device,
             acceleration.autocast or "off", acceleration.channels_last, acceleration.compile, torch.get_num_threads())
    return detector


def autocast_for(detector):
    """The autocast context the backbone runs under (a no-op at float32)."""
    dtype = getattr(detector, "autocast_dtype", None)
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=torch.device(detector.device).type, dtype=dtype)
