"""glibc's malloc told to keep the memory a process frees, for its next allocations, instead of handing
it back to the kernel.

By default glibc serves a large allocation with a fresh mmap (above a threshold that starts at 128 KB
and adapts) and gives the top of its heap back to the kernel once enough of it is free. A network on
a CPU allocates every layer's output anew for every batch, so with those defaults its layers keep
writing into pages the kernel has just mapped: each first touch is a page fault and a page zeroed.
MTCNN's small networks are where it shows (one thread, 64 R-net crops): the first convolution takes
3.1 ms and its PReLU 2.2 ms with the defaults, 1.65 and 0.34 ms with freed memory kept. Training
(`ml.training.train.run`) applies the same settings, for the rest of the calling process: a bf16 step
of the default recipe (`--precision auto`) frees gigabytes, and with the defaults it took about 220,000
page faults a second, a third of the step (`bench/train.py --allocator`); the arithmetic is unchanged,
bit for bit.

The cost is that a process's resident memory stays at its peak instead of shrinking after a large
video; a worker reaches that peak again on its next video of that size. So that one odd input (an
8192x8192 clip kept a worker at 2.1 GB instead of 1.4 GB) does not pin memory for good, the pipeline
calls `give_back` (malloc_trim) after a video whose frames are outsized (`is_outsized`: above
OUTSIZED_PIXELS); ordinary videos keep the speed of reused memory.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

# mallopt's parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Allocations up to this size come from the heap, whose freed memory is reused. glibc's adaptive
# threshold stops at 32 MB, and a backbone's first layer on 64 crops writes ~100 MB.
MMAP_THRESHOLD = 1 << 30
# Free memory at the top of the heap kept for reuse rather than trimmed.
TRIM_THRESHOLD = 1 << 30
# Frames above this many pixels (more than 1440p) are outsized: after such a video the freed memory is
# returned to the kernel. Below it, what decoding frees is about what the next video needs again.
OUTSIZED_PIXELS = 2560 * 1440

_applied = False


def keep_freed_memory() -> bool:
    """Apply the settings to this process (once; later calls do nothing). False where the C library
    is not glibc, which then keeps its own defaults."""
    global _applied
    if _applied:
        return True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _applied = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    if _applied:
        log.debug("malloc keeps freed memory (mmap threshold %d MB, trim threshold %d MB)",
                  MMAP_THRESHOLD >> 20, TRIM_THRESHOLD >> 20)
    return _applied


def is_outsized(width: int, height: int) -> bool:
    return width * height > OUTSIZED_PIXELS


def give_back() -> bool:
    """Return the heap's free memory (every arena's, the decoding threads' included) to the kernel:
    glibc's malloc_trim(0). False where the C library has none."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)
    log.debug("malloc_trim after an outsized video")
    return True
