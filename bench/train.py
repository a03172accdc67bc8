"""Training throughput: face crops per second, forward + backward + optimiser step, for the fp32 path and
each faster variant (bf16 autocast, channels-last, bf16 with fp32 depthwise convolutions, torch.compile),
with ratios to fp32 measured in the same run, so machines and loads compare.

    .venv/bin/python bench/train.py [--steps 4] [--threads 2] [--backbone efficientnet_lite0] [--size 160]
                                    [--batch 8] [--frames 16] [--compile] [--backbones] [--allocator [--rounds 3]]
                                    [--glibc-defaults] [--train-blocks 7,6]

Each row trains the whole detector (backbone + LSTM + head, the default recipe's loss) on random crops, after
one warm-up step (a compiled variant's first step, the compile, is reported apart: it pays back only if the
run has enough steps, `break-even steps`). The variants take their steps in turn, so a load that comes and
goes on a shared machine falls on all of them alike, and the rate is that of the median step. The default
shape is the default recipe's step on a CPU (Lite0 at its CPU input size, 160 px since 2026-12-06, 8 sequences
x 16 crops; the tables in docs/training.md before that date are at 112 px: --size 112). --train-blocks 7,6
adds the `--precision auto` step training only the top 7 or 6 backbone blocks (a recipe's train_blocks: the
stem and the bottom stages frozen) against the whole backbone. --backbones adds the old table: fp32 per
backbone and input size, relative to ResNeXt-50 at 112 px. The tables run with freed memory kept
(ml/serving/allocator.py), as training does: with glibc's defaults every step faults its activations back in,
which slows some variants far more than others, so a table measured that way can pick the wrong precision.
--glibc-defaults runs them as every table before 2026-12-06 did. --allocator adds the `--precision auto` step
with glibc's defaults against freed memory kept, each in its own process since the setting holds for a whole
process, the two alternating --rounds times, with the page faults each took.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# (name, autocast bf16, channels-last, compile, depthwise convolutions in fp32)
VARIANTS = [("fp32", False, False, False, False), ("fp32 channels-last", False, True, False, False),
            ("bf16 autocast", True, False, False, False), ("bf16 channels-last", True, True, False, False),
            ("bf16 CL, dw fp32", True, True, False, True)]
COMPILED = [("bf16 compiled", True, False, True, False), ("bf16 CL compiled", True, True, True, False)]
BACKBONE_CASES = [("resnext50_32x4d", 112), ("efficientnet_lite0", 112), ("efficientnet_lite0", 224),
                  ("efficientnet_lite1", 224), ("efficientnet_lite2", 224)]


class Trainee:
    """One variant's model, optimiser and batch, stepped in turn with the others (interleaved, so a load
    that comes and goes on a shared machine falls on every variant alike)."""

    def __init__(self, backbone: str, size: int, device: str, batch: int, frames: int, bf16: bool = False,
                 channels_last: bool = False, compile: bool = False, fp32_depthwise: bool = False,
                 train_blocks: int = -1):
        import torch

        from ml.model.network import DeepfakeDetector, ModelConfig

        torch.manual_seed(0)
        self.model = DeepfakeDetector(ModelConfig(backbone=backbone)).to(device)
        self.model.freeze_backbone(train_blocks)  # as ml.training.loop does for a recipe's train_blocks
        self.model.train()
        if channels_last:
            self.model.backbone.to(memory_format=torch.channels_last)
        if fp32_depthwise:  # as ml.training.precision does where bf16 depthwise backward is slow
            from ml.training.precision import fp32_depthwise_hooks

            fp32_depthwise_hooks(self.model, torch.device(device).type)
        if compile:
            self.model.backbone = torch.compile(self.model.backbone)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), 1e-4)
        self.x = torch.randn(batch, frames, 3, size, size, device=device)
        self.y = torch.randint(0, 2, (batch,), device=device)
        self.device, self.bf16, self.crops = device, bf16, batch * frames
        self.timings: list[float] = []

    def step(self) -> None:
        import torch

        from ml.training.loop import sequence_loss

        _sync(self.device)
        start = time.perf_counter()
        with torch.autocast(torch.device(self.device).type, dtype=torch.bfloat16, enabled=self.bf16):
            loss = sequence_loss(self.model(self.x), self.y, 0.5)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        _sync(self.device)
        self.timings.append(time.perf_counter() - start)

    def rate(self) -> float:
        """Crops/s of the median step after the first (warm-up, or the compile): the median, so a burst
        of load from another process on a shared machine does not decide it."""
        return self.crops / float(np.median(self.timings[1:]))


def auto_trainee(args, device: str, train_blocks: int = -1) -> Trainee:
    """The step a `--precision auto` training run takes on `device`: bf16 where the CPU has it natively,
    channels-last, depthwise convolutions in fp32 where the probe finds bf16 slow (ml.training.precision)."""
    from ml.training.precision import step_mode

    mode = step_mode("auto", device)
    return Trainee(args.backbone, args.size, device, args.batch, args.frames, bf16=mode.autocast is not None,
                   channels_last=mode.channels_last, fp32_depthwise=mode.fp32_depthwise, train_blocks=train_blocks)


def measure_all(trainees: list[Trainee], steps: int) -> None:
    for _ in range(steps + 1):
        for t in trainees:
            t.step()


def _sync(device: str) -> None:
    import torch

    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def variants_table(args, device: str) -> None:
    print(f"{'device':<6} {'variant':<20} {'crops/s':>9} {'x fp32':>7} {'first step s':>13} {'break-even steps':>17}")
    chosen = VARIANTS + (COMPILED if args.compile else [])
    trainees = [Trainee(args.backbone, args.size, device, args.batch, args.frames, bf16, cl, comp, dw)
                for _, bf16, cl, comp, dw in chosen]
    measure_all(trainees, args.steps)
    baseline = trainees[0].rate()
    eager = {(bf16, cl): t for (_, bf16, cl, comp, dw), t in zip(chosen, trainees) if not comp and not dw}
    for (name, bf16, cl, comp, _), t in zip(chosen, trainees):
        rate, first = t.rate(), t.timings[0]
        even = _break_even(t, eager[bf16, cl]) if comp else ""
        print(f"{device:<6} {name:<20} {rate:>9.1f} {rate / baseline:>7.2f} {first:>13.1f} {even:>17}", flush=True)


def _break_even(compiled: Trainee, eager: Trainee) -> str:
    """Steps after which the compile's extra first-step time is earned back against the same variant
    uncompiled ("never" when compiled steps are no faster)."""
    gain = 1 / eager.rate() - 1 / compiled.rate()  # seconds per crop saved
    extra = compiled.timings[0] - eager.timings[0]
    return f"{extra / (gain * compiled.crops):.0f}" if gain > 0 else "never"


def train_blocks_table(args, device: str) -> None:
    """The --precision auto step with the bottom of the backbone frozen (a recipe's train_blocks): frozen
    layers need no backward pass, and the high-resolution ones at the bottom cost the most per weight."""
    counts = [-1] + [int(n) for n in args.train_blocks.split(",")]
    print(f"{'device':<6} {'auto step, trains':<28} {'crops/s':>9} {'x all':>7}")
    trainees = [auto_trainee(args, device, train_blocks=n) for n in counts]
    measure_all(trainees, args.steps)
    baseline = trainees[0].rate()
    for n, t in zip(counts, trainees):
        label = "the whole backbone" if n < 0 else f"the top {n} backbone blocks"
        print(f"{device:<6} {label:<28} {t.rate():>9.1f} {t.rate() / baseline:>7.2f}", flush=True)


def backbones_table(args, device: str) -> None:
    print(f"{'device':<6} {'backbone':<20} {'px':>4} {'crops/s':>9} {'x baseline':>10}")
    baseline = None
    for backbone, size in BACKBONE_CASES:
        trainee = Trainee(backbone, size, device, args.batch, args.frames)
        measure_all([trainee], args.steps)
        rate = trainee.rate()
        baseline = baseline or rate
        print(f"{device:<6} {backbone:<20} {size:>4} {rate:>9.1f} {rate / baseline:>10.2f}", flush=True)


ALLOCATOR_SETTINGS = (("glibc defaults", "default"), ("freed memory kept", "kept"))


def allocator_table(args) -> None:
    """The --precision auto step (bf16 where the CPU has it natively, channels-last, depthwise in fp32 where
    the probe finds bf16 slow) under each allocator setting, one process per measurement, alternating."""
    print(f"allocator, the --precision auto step, {args.rounds} rounds of one process per setting")
    print(f"{'device':<6} {'allocator':<20} {'crops/s':>9} {'x default':>9} {'page faults/s':>14}")
    runs = {mode: [] for _, mode in ALLOCATOR_SETTINGS}
    for round_ in range(args.rounds):
        order = ALLOCATOR_SETTINGS if round_ % 2 == 0 else ALLOCATOR_SETTINGS[::-1]  # neither always goes first
        for _, mode in order:
            runs[mode].append(_allocator_child_run(args, mode))
    rate = {mode: float(np.median([r["rate"] for r in rs])) for mode, rs in runs.items()}
    for name, mode in ALLOCATOR_SETTINGS:
        faults = float(np.median([r["faults_per_s"] for r in runs[mode]]))
        print(f"{'cpu':<6} {name:<20} {rate[mode]:>9.1f} {rate[mode] / rate['default']:>9.2f} {faults:>14,.0f}", flush=True)


def _allocator_child_run(args, mode: str) -> dict:
    child = [sys.executable, __file__, "--allocator-child", mode, "--steps", str(args.steps), "--threads",
             str(args.threads), "--backbone", args.backbone, "--size", str(args.size), "--batch", str(args.batch),
             "--frames", str(args.frames)]
    done = subprocess.run(child, check=False, stdout=subprocess.PIPE, text=True)  # its stderr shows as it comes
    if done.returncode:
        raise SystemExit(f"the {mode} allocator measurement failed (exit status {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def allocator_child(args) -> None:
    """One process's measurement for allocator_table: its crops/s and minor page faults a second, as JSON."""
    from ml.serving.allocator import keep_freed_memory

    if args.allocator_child == "kept" and not keep_freed_memory():
        raise SystemExit("this C library is not glibc: nothing to compare")
    trainee = auto_trainee(args, "cpu")
    trainee.step()  # warm-up: the first step finds the process's peak under either setting
    before, start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.perf_counter()
    measure_all([trainee], args.steps)
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / (time.perf_counter() - start)
    print(json.dumps({"rate": trainee.rate(), "faults_per_s": faults}))


def main(argv=None) -> None:
    import torch

    from ml.training.precision import depthwise_bf16_slow, native_bf16_cpu
    from ml.training.recipes import DEFAULT_RECIPE, RECIPES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--backbone", default="efficientnet_lite0")
    parser.add_argument("--size", type=int, default=RECIPES[DEFAULT_RECIPE].cpu_image_size,
                        help="model input size (default: the default recipe's on a CPU)")
    parser.add_argument("--batch", type=int, default=8, help="sequences per step")
    parser.add_argument("--frames", type=int, default=16, help="crops per sequence")
    parser.add_argument("--compile", action="store_true", help="add a torch.compile variant (compiles for minutes on a CPU)")
    parser.add_argument("--backbones", action="store_true", help="also fp32 per backbone and input size")
    parser.add_argument("--train-blocks", metavar="N,N", default="",
                        help="also the auto step training only the top N backbone blocks, against the whole backbone")
    parser.add_argument("--allocator", action="store_true",
                        help="also the auto step with glibc's default allocator settings against freed memory kept")
    parser.add_argument("--rounds", type=int, default=3, help="--allocator: processes per setting")
    parser.add_argument("--glibc-defaults", action="store_true",
                        help="run the tables with glibc's default allocator settings (as before 2026-12-06), "
                             "not with freed memory kept as training does")
    parser.add_argument("--allocator-child", choices=("default", "kept"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.allocator_child:
        return allocator_child(args)
    allocator = "glibc defaults" if args.glibc_defaults else _keep_freed_memory()
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"torch {torch.__version__}, {args.threads} CPU threads, CPU capability "
          f"{torch.backends.cpu.get_cpu_capability()}, native CPU bf16 {native_bf16_cpu()}, bf16 depthwise slow "
          f"{depthwise_bf16_slow()} ({_cpu_name()})"
          + (f", {torch.cuda.get_device_name()}" if len(devices) > 1 else ""))
    print(f"{args.backbone} at {args.size} px, {args.batch} x {args.frames} crops a step, {args.steps} timed steps, "
          f"allocator: {allocator}")
    for device in devices:
        variants_table(args, device)
        if args.train_blocks:
            train_blocks_table(args, device)
        if args.backbones:
            backbones_table(args, device)
    if args.allocator:
        allocator_table(args)


def _keep_freed_memory() -> str:
    """Keep freed memory for the rest of this process, as ml.training.train does before training."""
    from ml.serving.allocator import keep_freed_memory

    return "freed memory kept" if keep_freed_memory() else "the C library's defaults (not glibc)"


def _cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "CPU model unknown"


if __name__ == "__main__":
    main()
