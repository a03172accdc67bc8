"""Training keeps the memory a step frees for the next step (ml/serving/allocator.py): with glibc's
defaults every step faulted its gigabytes of activations back in from the kernel, a third of the step on
the 2-core EPYC (bench/train.py --allocator). Only the speed may change, never the arithmetic."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Three training steps of the detector (Lite0 at 64 px, 2 sequences of 4 crops, the recipe's loss, AdamW,
# channels-last, bf16 where the CPU has it natively as --precision auto does), then whether the setting
# held and a digest of every parameter's bytes. (That the setting saves page faults is
# tests/ml/test_allocator.py's, with blocks sized to show it.)
STEPS = """
import hashlib, sys
sys.path.insert(0, {repo!r})
from ml.serving.allocator import keep_freed_memory
kept = keep_freed_memory() if {keep} else False
import torch
from ml.model.network import DeepfakeDetector, ModelConfig
from ml.training.loop import sequence_loss
from ml.training.precision import native_bf16_cpu

torch.set_num_threads(1)
torch.manual_seed(0)
model = DeepfakeDetector(ModelConfig(backbone="efficientnet_lite0", lstm_hidden=16)).train()
model.backbone.to(memory_format=torch.channels_last)
optimizer = torch.optim.AdamW(model.parameters(), 1e-3)
x, y = torch.randn(2, 4, 3, 64, 64), torch.tensor([0, 1])
for step in range(3):
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=native_bf16_cpu()):
        loss = sequence_loss(model(x), y, 0.5)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
print(kept, hashlib.sha256(torch.cat([p.detach().flatten() for p in model.parameters()]).numpy().tobytes()).hexdigest())
"""


def three_steps(keep: bool) -> tuple[bool, str]:
    out = subprocess.run([sys.executable, "-c", STEPS.format(repo=str(REPO), keep=keep)], check=True,
                         capture_output=True, text=True).stdout
    kept, digest = out.split()[-2:]
    return kept == "True", digest


def test_keeping_freed_memory_leaves_the_trained_parameters_the_same_to_the_last_bit():
    (kept, with_setting), (_, without) = three_steps(keep=True), three_steps(keep=False)
    if not kept:
        pytest.skip("the C library is not glibc: there is no setting to compare")
    assert with_setting == without


def test_a_training_run_keeps_freed_memory_and_says_so(tiny_run):
    log = (Path(tiny_run["run_dir"]) / "train.log").read_text()
    expected = "freed memory kept for the next step" if sys.platform.startswith("linux") else "allocator settings"
    assert f"memory: {expected}" in log
