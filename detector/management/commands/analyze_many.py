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
        # Each row is written as its video finishes: a run stopped at video 900 keeps the 899 before it.
        with RowWriter(Path(output) if output else None) as saved:
            for outcome in analyze_videos(paths, detector, opts, concurrency=concurrency, engines=engines,
                                          workers=workers):
                row = outcome_row(outcome)
                rows.append(row)
                saved.write(row)
                self.stdout.write(_line(row))
        elapsed = time.perf_counter() - started
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


ROW_FIELDS = ("path", "verdict", "confidence", "fake_probability", "frames_sampled", "faces_found", "seconds", "error")


def outcome_row(outcome) -> dict:
    result = outcome.result
    return dict(zip(ROW_FIELDS, (
        outcome.path,
        result.verdict if result else "",
        round(result.confidence, 4) if result else "",
        "" if not result or result.fake_probability is None else round(result.fake_probability, 4),
        result.frames_sampled if result else "",
        result.faces_found if result else "",
        round(outcome.seconds, 3),
        str(outcome.error) if outcome.error else "",
    ), strict=True))


class RowWriter:
    """One row per video in a .jsonl file, or a .csv (any other name), flushed as each is written; no
    file when `path` is None."""

    def __init__(self, path: Path | None):
        self.path, self._file, self._csv = path, None, None

    def __enter__(self):
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", newline="")
            if self.path.suffix.lower() != ".jsonl":
                self._csv = csv.DictWriter(self._file, fieldnames=ROW_FIELDS)
                self._csv.writeheader()
        return self

    def write(self, row: dict) -> None:
        if self._file is None:
            return
        if self._csv is not None:
            self._csv.writerow(row)
        else:
            self._file.write(json.dumps(row) + "\n")
        self._file.flush()

    def __exit__(self, *exc):
        if self._file is not None:
            self._file.close()


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
