"""Training throughput: face crops per second, forward + backward + optimiser step, per backbone and
input size, on the CPU and (when there is one) CUDA with bf16 autocast.

    .venv/bin/python bench/train.py [--steps 4] [--threads 2] [--only efficientnet_lite0]

Each row trains the whole detector (backbone + LSTM 2048 + head) on random crops in batches of
4 sequences x 8 crops (CPU) or 8 x 16 (CUDA), after one warm-up step. The last column is the
throughput relative to the baseline row measured in the same run (ResNeXt-50 at 112 px, the method's
setting), so machines and loads compare.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CASES = [("resnext50_32x4d", 112), ("efficientnet_lite0", 112), ("efficientnet_lite0", 224),
         ("efficientnet_lite1", 224), ("efficientnet_lite2", 224)]


def crops_per_second(backbone: str, size: int, device: str, steps: int) -> float:
    import torch

    from ml.model.network import DeepfakeDetector, ModelConfig
    from ml.training.loop import sequence_loss

    cuda = device.startswith("cuda")
    batch, frames = (8, 16) if cuda else (4, 8)
    model = DeepfakeDetector(ModelConfig(backbone=backbone)).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), 1e-4)
    x = torch.randn(batch, frames, 3, size, size, device=device)
    y = torch.randint(0, 2, (batch,), device=device)
    timings = []
    for _ in range(steps + 1):  # the first step warms up allocators and kernels
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
            loss = sequence_loss(model(x), y, 0.5)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if cuda:
            torch.cuda.synchronize()
        timings.append(time.perf_counter() - start)
    return batch * frames / (sum(timings[1:]) / steps)


def main(argv=None) -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", help="one backbone")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"torch {torch.__version__}, {args.threads} CPU threads" + (f", {torch.cuda.get_device_name()}" if len(devices) > 1 else ""))
    print(f"{'device':<6} {'backbone':<20} {'px':>4} {'crops/s':>9} {'x baseline':>10}")
    for device in devices:
        baseline = None
        for backbone, size in CASES:
            if args.only and backbone != args.only and (backbone, size) != CASES[0]:
                continue
            rate = crops_per_second(backbone, size, device, args.steps)
            baseline = baseline or rate
            print(f"{device:<6} {backbone:<20} {size:>4} {rate:>9.1f} {rate / baseline:>10.2f}", flush=True)


if __name__ == "__main__":
    main()
