"""A serving process keeps the memory it frees for its next batch (ml/serving/allocator.py) instead of
page-faulting it back in from the kernel for every layer's output."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Allocates and touches what one batch's layer outputs might (a backbone's first layer on 64 crops is
# ~100 MB), ten times over, and prints the page faults of the last nine rounds.
BATCHES = """
import resource, sys
import numpy as np
sys.path.insert(0, {repo!r})
if {keep}:
    from ml.serving.allocator import keep_freed_memory
    assert keep_freed_memory()

def batch():
    for mb in (3, 9, 100, 17, 40, 5, 24):
        block = np.ones(mb << 20, np.uint8)
        del block

batch()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(9):
    batch()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def page_faults(keep: bool) -> int:
    out = subprocess.run([sys.executable, "-c", BATCHES.format(repo=str(REPO), keep=keep)], check=True,
                         capture_output=True, text=True).stdout
    return int(out.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_memory_freed_by_one_batch_is_reused_by_the_next_without_page_faults():
    kept, default = page_faults(keep=True), page_faults(keep=False)
    # 9 rounds of ~200 MB are ~450,000 pages; kept, they are faulted in once, before the rounds counted.
    assert kept < 2_000
    assert default > 50 * max(kept, 1)


# Mallocs one 100 MB block (above glibc's default mmap threshold), frees it, and reports from glibc's
# own accounting (mallinfo2) where the block came from and what the heap keeps after the free.
ONE_BLOCK = """
import ctypes, ctypes.util, json, sys
sys.path.insert(0, {repo!r})

class Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                                      "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
libc.mallinfo2.restype = Mallinfo2
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
calls = []
if {keep}:
    from ml.serving.allocator import keep_freed_memory
    calls = [keep_freed_memory(), keep_freed_memory()]
block = libc.malloc({size})
mapped_for_it = libc.mallinfo2().hblkhd  # bytes in blocks glibc mmapped on their own
libc.free(block)
print(json.dumps({{"calls": calls, "mapped_for_it": mapped_for_it, "kept_free": libc.mallinfo2().fordblks}}))
"""
BLOCK = 100 << 20


def one_block(keep: bool) -> dict:
    out = subprocess.run([sys.executable, "-c", ONE_BLOCK.format(repo=str(REPO), keep=keep, size=BLOCK)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_applied_twice_it_says_so_both_times_and_a_freed_large_block_stays_in_the_heap():
    default, kept = one_block(keep=False), one_block(keep=True)
    # With glibc's defaults the block is a mapping of its own, handed back to the kernel when freed.
    assert default["mapped_for_it"] >= BLOCK and default["kept_free"] < BLOCK
    # Applied (the second call changes nothing and still says it holds): the block comes from the heap
    # and, freed, stays there for the next allocation.
    assert kept["calls"] == [True, True]
    assert kept["mapped_for_it"] < BLOCK and kept["kept_free"] >= BLOCK
