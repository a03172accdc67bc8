"""Clips per second: the batch path against one clip at a time and against decoding alone, same run.

    .venv/bin/python bench/throughput.py [--clips 24] [--frames 20] [--concurrency 2 3] [--device cpu]
                                         [--model CHECKPOINT | --backbone efficientnet_lite0]
                                         [--workers processes threads] [--repeat 3]
    # the issue's GPU target: --clips 200 --device cuda --concurrency 16 --workers threads

Clips are taken from the shared sample, mixing its 480p, 720p and 1080p clips (cycled when more are
asked for than it has). Each mode runs over the same clips after one warm-up analysis:
- decode only: `sample_frames` of the same 20 frames per clip, one clip at a time: the floor;
- one at a time: `ml.serving.pipeline.analyze` per clip, in turn (what a prefork worker does);
- batch: `ml.serving.many_videos.analyze_videos` with each --concurrency value and each --workers kind (threads
  sharing MTCNN and backbone batches; processes with one torch thread each, the CPU default).
It prints a JSON line per mode (clips/s, frames/s, the share of the CPU cores kept busy, GPU
utilisation when there is a GPU) and the ratios: batch clips/s over one-at-a-time clips/s, and the
time taken over the decode-only time. `--repeat N` runs N rounds of every mode, one after another,
and ends with each mode's median and range over the rounds: one at a time on torch's threads swings
by 30 % from run to run on a shared VM (0.63-0.81 clips/s), so one round's ratio says little. Every
other round runs the modes in reverse order, so a machine that slows down or speeds up during the
run does not favour the mode that always runs first.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sample import mixed_clips  # bench/, beside this script


def sample_clips(n: int) -> list[Path]:
    """n clips, alternating between the sample's resolutions so every size is in the mix."""
    return list(itertools.islice(itertools.cycle(mixed_clips()), n))


class GpuUtilisation:
    """Mean GPU utilisation (%) while the block runs, sampled from nvidia-smi; None without a GPU."""

    def __init__(self, device: str):
        self.enabled = device.startswith("cuda")
        self.samples: list[float] = []

    def __enter__(self):
        self._stop = threading.Event()
        if self.enabled:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self.enabled:
            self._thread.join()

    @property
    def mean(self) -> float | None:
        return round(sum(self.samples) / len(self.samples), 1) if self.samples else None

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            try:
                out = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"],
                                     capture_output=True, text=True, timeout=5).stdout
                self.samples.append(float(out.split()[0]))
            except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
                return


def cpu_seconds() -> float:
    """CPU time of this process, every thread (decoder threads included), and of its worker processes:
    the whole machine's busy time where /proc/stat tells it (run the bench on an otherwise idle host)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait, in clock ticks
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime


def timed(mode: str, clips: list[Path], frames: int, device: str, run) -> dict:
    """One mode's row. cpu_util_percent is the share of the cores kept busy: where one at a
    time is already near 100 %, no scheduling of the same work can raise clips/s by more than its
    inverse, and only less work per clip can."""
    from ml.serving.acceleration import available_cores

    with GpuUtilisation(device) as gpu:
        start, cpu_start = time.perf_counter(), cpu_seconds()
        frames_done = run()
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
    return {"mode": mode, "clips": len(clips), "seconds": round(seconds, 2),
            "clips_per_s": round(len(clips) / seconds, 2), "frames_per_s": round(frames_done / seconds, 1),
            "cpu_util_percent": round(100 * cpu / (seconds * available_cores()), 1),
            "gpu_util_percent": gpu.mean}


def decode_only(clips, frames) -> int:
    from ml.media.video import probe, sample_frames

    return sum(sum(1 for _ in sample_frames(c, frames, info=probe(c))) for c in clips)


def one_at_a_time(clips, detector, options) -> int:
    from ml.serving.pipeline import analyze

    return sum(analyze(c, detector, options).frames_sampled for c in clips)


def batched(clips, detector, options, concurrency, pool=None) -> int:
    from ml.serving.many_videos import analyze_videos

    return sum(o.result.frames_sampled for o in analyze_videos(clips, detector, options, concurrency=concurrency,
                                                               workers="threads", pool=pool) if o.result)


def one_round(args, clips, detector, options, pools, reverse: bool = False) -> list[dict]:
    """Every mode once over the same clips, with the ratios to this round's decode-only and
    one-at-a-time rows. `reverse` runs the modes in the opposite order (rows keep theirs): alternate
    rounds so, the machine's drift during a round favours no mode in the medians."""
    modes = [("decode only", lambda: decode_only(clips, args.frames))]
    if not args.skip_one_at_a_time:
        modes.append(("one at a time", lambda: one_at_a_time(clips, detector, options)))
    for workers in args.workers:
        for c in args.concurrency:
            pool = pools.get(c) if workers == "processes" else None
            modes.append((f"batch {workers} x{c}", lambda c=c, p=pool: batched(clips, detector, options, c, p)))
    done = {mode: timed(mode, clips, args.frames, args.device, run)
            for mode, run in (modes[::-1] if reverse else modes)}
    rows = [done[mode] for mode, _ in modes]
    decode_s = rows[0]["seconds"]
    single = next((r for r in rows if r["mode"] == "one at a time"), None)
    for row in rows:
        row["time/decode"] = round(row["seconds"] / decode_s, 2)
        if single:
            row["clips_per_s/one_at_a_time"] = round(row["clips_per_s"] / single["clips_per_s"], 2)
    return rows


def summary(rounds: list[list[dict]]) -> list[dict]:
    """Per mode over the rounds: the median and range of clips/s and of the ratio to one at a time
    in the same round (the ratio is what compares across machines: this VM's speed drifts)."""
    lines = []
    for mode in [row["mode"] for row in rounds[0]]:
        rows = [row for rnd in rounds for row in rnd if row["mode"] == mode]
        line = {"mode": mode, "rounds": len(rows)}
        for key in ("clips_per_s", "clips_per_s/one_at_a_time"):
            values = sorted(row[key] for row in rows if key in row)
            if values:
                line[key] = {"median": round(statistics.median(values), 2), "min": values[0], "max": values[-1]}
        lines.append(line)
    return lines


def load_detector(args):
    from ml.model import checkpoint
    from ml.model.network import ModelConfig
    from ml.serving.acceleration import Acceleration, accelerate

    if args.model:
        detector = checkpoint.load_detector(args.model, device=args.device)
    else:
        detector = checkpoint.random_detector(ModelConfig(backbone=args.backbone), device=args.device)
    return accelerate(detector, Acceleration.for_device(args.device, compile=args.compile))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=24)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[2])
    parser.add_argument("--workers", nargs="+", choices=("processes", "threads"), default=["processes", "threads"])
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--model", help="a checkpoint (default: a random detector of --backbone)")
    parser.add_argument("--backbone", default="efficientnet_lite0", help="the default recipe's backbone")
    parser.add_argument("--compile", action="store_true", help="torch.compile the backbone")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's own, every core)")
    parser.add_argument("--skip-one-at-a-time", action="store_true")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every mode, interleaved; prints each round and the medians")
    parser.add_argument("--no-decode-ahead", action="store_true",
                        help="never decode on a thread of its own (ml.serving.pipeline.DECODE_AHEAD=0)")
    args = parser.parse_args(argv)

    import torch

    from ml.results import AnalyzeOptions
    from ml.serving import pipeline

    if args.no_decode_ahead:
        pipeline.DECODE_AHEAD = 0

    args.device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    clips = sample_clips(args.clips)
    detector = load_detector(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    options = AnalyzeOptions(frames=args.frames)
    one_at_a_time(clips[:1], detector, options)  # warm-up: MTCNN, the backbone, allocators
    batched(clips[:2], detector, options, 2)

    pools = {}
    for c in args.concurrency if "processes" in args.workers else []:
        # Started and warmed before the clock, as a long-lived worker is, and kept for every round.
        from ml.serving.process_pool import WorkerPool

        started = time.perf_counter()
        pools[c] = WorkerPool(detector, c)
        batched(clips[:c], detector, options, c, pools[c])
        print(f"{c} worker processes started and warmed in {time.perf_counter() - started:.1f} s")
    rounds = []
    for r in range(args.repeat):
        rows = one_round(args, clips, detector, options, pools, reverse=r % 2 == 1)
        for row in rows:
            row["round"] = r + 1
            print(json.dumps(row))
        rounds.append(rows)
    for pool in pools.values():
        pool.close()
    if args.repeat > 1:
        for line in summary(rounds):
            print(json.dumps(line))
    print(f"device {args.device}, torch threads {torch.get_num_threads()}, backbone "
          f"{detector.config.backbone}, {len(clips)} clips x {args.frames} frames, decode ahead "
          f"{pipeline.DECODE_AHEAD}")


if __name__ == "__main__":
    main()
