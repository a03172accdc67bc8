"""Extract face-crop sequences of a labelled dataset into the cache that training reads (ml/training/face_cache.py)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ml.media.faces import FaceSettings
from ml.training.datasets import LAYOUTS, DatasetError, load_dataset
from ml.training.face_cache import (
    EXTRACT_FRAMES,
    SAMPLING,
    SAMPLINGS,
    TRAINING_CROP_SIZE,
    ExtractSettings,
    prepare_cache,
)


def default_cache_dir():
    return settings.VAR_DIR / "cache" / "faces"


class Command(BaseCommand):
    help = "Find the faces in every video of a dataset once and cache their crops for training."

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="dataset folder or manifest CSV")
        parser.add_argument("--format", choices=LAYOUTS, help="dataset layout (detected when omitted)")
        parser.add_argument("--cache-dir", default=None, help="default: var/cache/faces")
        parser.add_argument("--frames", type=int, default=EXTRACT_FRAMES, help="frames sampled per video")
        parser.add_argument("--crop-size", type=int, default=TRAINING_CROP_SIZE, help="face crops are cut at this size (px)")
        parser.add_argument("--sampling", choices=SAMPLINGS, default=SAMPLING,
                            help="N frames spread over the video, or the first N (the method's way: --frames 150)")
        parser.add_argument("--workers", type=int, default=1, help="videos extracted in parallel")
        parser.add_argument("--device", default="cpu")

    def handle(self, data, format=None, cache_dir=None, frames=EXTRACT_FRAMES, crop_size=TRAINING_CROP_SIZE,
               sampling=SAMPLING, workers=1, device="cpu", **options):
        try:
            clips = load_dataset(data, format)
        except DatasetError as error:
            raise CommandError(str(error)) from None
        cache_dir = cache_dir or default_cache_dir()
        settings_ = ExtractSettings(frames=frames, sampling=sampling, faces=FaceSettings(crop_size=crop_size))
        report = prepare_cache(clips, cache_dir, settings_, workers=workers, device=device,
                               progress=options.get("verbosity", 1) > 0)
        self.stdout.write(
            f"{report['clips']} videos: {report['cached']} already cached, {report['extracted']} extracted, "
            f"{len(report['no_face'])} with no face, {len(report['errors'])} unreadable. Cache: {cache_dir}"
        )
        for path in report["no_face"]:
            self.stdout.write(f"  no face: {path}")
        for path, message in report["errors"].items():
            self.stdout.write(f"  unreadable: {path} ({message})")
