"""Run the analysis pipeline on a file from the shell, with the active model or a given checkpoint."""

import json
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from detector.management.detectors import detector_for_command
from ml.errors import VideoError
from ml.results import AnalyzeOptions
from ml.serving import pipeline


class Command(BaseCommand):
    help = "Analyse a video file with the same pipeline as the worker and print the verdict."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--frames", type=int, default=settings.DEEPTRACE_DEFAULT_FRAMES)
        parser.add_argument("--sampling", choices=["spread", "first"], default="spread")
        parser.add_argument("--model", help="checkpoint path (default: the active model version)")
        parser.add_argument("--json", action="store_true", help="print the full result as JSON")

    def handle(self, path, frames, sampling, model=None, json=False, **options):
        if not Path(path).is_file():
            raise CommandError(f"No file at {path}.")
        detector, threshold, band = detector_for_command(model)
        opts = AnalyzeOptions(frames=frames, sampling=sampling, threshold=threshold, uncertain_band=band,
                              max_duration_s=settings.DEEPTRACE_MAX_DURATION_S)
        try:
            result = pipeline.analyze(path, detector, opts, progress=self._progress)
        except VideoError as error:
            raise CommandError(str(error)) from None
        if self.stderr.isatty():
            self.stderr.write("")
        self.stdout.write(_as_json(result) if json else _summary(result))

    def _progress(self, stage, fraction):
        if self.stderr.isatty():  # a terminal: one line, rewritten in place
            self.stderr.write(f"\r{stage:<10} {fraction:5.0%}", ending="")
            return
        # A log or a pipe: "\r" would jumble everything into one line; a line per stage and its end.
        if stage != getattr(self, "_last_stage", None) or fraction >= 1:
            self.stderr.write(f"{stage:<10} {fraction:5.0%}")
            self._last_stage = stage


def _summary(result):
    lines = [
        f"verdict:          {result.verdict}",
        f"confidence:       {result.confidence:.1%}",
        f"fake probability: {'-' if result.fake_probability is None else f'{result.fake_probability:.3f}'}",
        f"frames sampled:   {result.frames_sampled}",
        f"faces found:      {result.faces_found}",
        "tracks:           " + ", ".join(f"#{t.track} p(fake)={t.fake_probability:.3f} ({t.frames} frames)"
                                          for t in result.tracks),
        "timings (s):      " + ", ".join(f"{k}={v:.2f}" for k, v in result.timings.items()),
    ]
    return "\n".join(lines)


def _as_json(result):
    data = asdict(result)
    for frame in data["frames"]:
        frame.pop("crop_jpeg")
    return json.dumps(data, indent=2)
