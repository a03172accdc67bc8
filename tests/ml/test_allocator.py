"""A serving process keeps the memory it frees for its next batch (ml/serving/allocator.py) instead of
page-faulting it back in from the kernel for every layer's output."""

import subprocess
import sys
from pathlib import Path

import pytest

from ml.serving.allocator import keep_freed_memory

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


def test_applying_it_twice_is_harmless():
    assert keep_freed_memory() == keep_freed_memory()
