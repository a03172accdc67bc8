"""Training keeps the memory a step frees for the next step (ml/serving/allocator.py): with glibc's
defaults every step faulted its gigabytes of activations back in from the kernel, a third of the step on
the 2-core EPYC (bench/train.py --allocator). Only the speed may change, never the arithmetic."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Three training steps of the detector (Lite0 at 64 px, 2 sequences of 4 crops, the recipe's loss, AdamW,
# channels-last, bf16 where the CPU has it natively as --precision auto does), then the parameters to
# the last bit, and the minor page faults of the last two steps.
STEPS = """
import resource, sys
sys.path.insert(0, {repo!r})
if {keep}:
    from ml.serving.allocator import keep_freed_memory
    assert keep_freed_memory()
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
faults = 0
for step in range(3):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=native_bf16_cpu()):
        loss = sequence_loss(model(x), y, 0.5)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    faults += (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) if step else 0
print(torch.cat([p.detach().flatten() for p in model.parameters()]).double().sum().item().hex(), faults)
"""


def three_steps(keep: bool) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", STEPS.format(repo=str(REPO), keep=keep)], check=True,
                         capture_output=True, text=True).stdout
    parameters, faults = out.split()[-2:]
    return parameters, int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_keeping_freed_memory_leaves_the_trained_parameters_the_same_to_the_last_bit():
    (kept, kept_faults), (default, default_faults) = three_steps(keep=True), three_steps(keep=False)
    assert kept == default
    assert kept_faults < default_faults


def test_a_training_run_keeps_freed_memory_and_says_so(tiny_run):
    log = (Path(tiny_run["run_dir"]) / "train.log").read_text()
    expected = "freed memory kept for the next step" if sys.platform.startswith("linux") else "allocator settings"
    assert f"memory: {expected}" in log
