"""Analyse a folder of videos, or the videos a CSV lists, through the batch path; print and save verdicts."""

import csv
import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from detector import inference
from detector.management.detectors import detector_for_command
from ml.results import AnalyzeOptions

VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"}
PATH_COLUMNS = ("file", "path")  # the CSV column naming each video (the sample's manifest uses "file")


class Command(BaseCommand):
    help = ("Analyse many videos at once (decoding, face detection and scoring of several videos overlap "
            "and share batches). SOURCE is a folder (searched recursively) or a CSV with a 'file' or 'path' "
            "column, relative to the CSV's folder. Nothing is stored in the database.")

    def add_arguments(self, parser):
        parser.add_argument("source")
        parser.add_argument("--frames", type=int, default=settings.DEEPTRACE_DEFAULT_FRAMES)
        parser.add_argument("--model", help="checkpoint path (default: the active model version)")
        parser.add_argument("--concurrency", type=int, default=None,
                            help="videos in flight (default: one per core on a CPU, up to 16 on a GPU)")
        parser.add_argument("--workers", choices=("threads", "processes"), default=None,
                            help="threads sharing MTCNN and backbone batches (the default beside a GPU) or "
                                 "worker processes with one core each (the default on a CPU)")
        parser.add_argument("--limit", type=int, default=None, help="only the first N videos")
        parser.add_argument("--output", help="write one row per video to this .csv or .jsonl file")

    def handle(self, source, frames, model=None, concurrency=None, workers=None, limit=None, output=None, **options):
        from ml.serving.many_videos import analyze_videos, default_workers

        paths = video_paths(Path(source))[:limit]
        if not paths:
            raise CommandError(f"No videos in {source}.")
        detector, threshold, band = detector_for_command(model)
        opts = AnalyzeOptions(frames=frames, threshold=threshold, uncertain_band=band,
                              max_duration_s=settings.DEEPTRACE_MAX_DURATION_S)
        rows, started = [], time.perf_counter()
        workers = workers or default_workers(detector.device)
        engines = inference.shared_engines(detector) if workers == "threads" else None
        for outcome in analyze_videos(paths, detector, opts, concurrency=concurrency, engines=engines,
                                      workers=workers):
            row = outcome_row(outcome)
            rows.append(row)
            self.stdout.write(_line(row))
        elapsed = time.perf_counter() - started
        if output:
            write_rows(Path(output), rows)
        self.stdout.write(_summary(rows, elapsed))
        if all(r["error"] for r in rows):
            raise CommandError("No video could be analysed.")


def video_paths(source: Path) -> list[Path]:
    if source.is_dir():
        return sorted(p for p in source.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file())
    if source.suffix.lower() == ".csv" and source.is_file():
        with source.open(newline="") as f:
            reader = csv.DictReader(f)
            column = next((c for c in PATH_COLUMNS if c in (reader.fieldnames or [])), None)
            if column is None:
                raise CommandError(f"{source} has no 'file' or 'path' column.")
            return [source.parent / row[column] for row in reader if row[column]]
    raise CommandError(f"{source} is neither a folder nor a .csv file.")


def outcome_row(outcome) -> dict:
    result = outcome.result
    return {
        "path": outcome.path,
        "verdict": result.verdict if result else "",
        "confidence": round(result.confidence, 4) if result else "",
        "fake_probability": "" if not result or result.fake_probability is None else round(result.fake_probability, 4),
        "frames_sampled": result.frames_sampled if result else "",
        "faces_found": result.faces_found if result else "",
        "seconds": round(outcome.seconds, 3),
        "error": str(outcome.error) if outcome.error else "",
    }


def write_rows(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        return
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _line(row: dict) -> str:
    if row["error"]:
        return f"{row['path']}: failed: {row['error']}"
    p = "-" if row["fake_probability"] == "" else f"{row['fake_probability']:.3f}"
    return f"{row['path']}: {row['verdict']} (p(fake) {p}, {row['faces_found']} faces, {row['seconds']:.2f} s)"


def _summary(rows: list[dict], elapsed: float) -> str:
    done = [r for r in rows if not r["error"]]
    frames = sum(r["frames_sampled"] for r in done)
    return (f"{len(done)} of {len(rows)} videos analysed in {elapsed:.1f} s: {len(rows) / elapsed:.2f} clips/s, "
            f"{frames / elapsed:.1f} frames/s; {len(rows) - len(done)} failed.")
