"""Face-crop cache: each video decoded and searched for faces once, never in the training loop.

An entry is what `ml.serving.pipeline.find_face_tracks` returns for a video (every face track that counts,
as serving sees them), with crops stored as JPEG (quality 94): a 224 px cache of the 157-clip sample
at 32 frames is about 40 MB, small enough to copy to a GPU machine. One .npz per video, named by
the file's identity (name, size, mtime) and the extraction settings, so changing either re-extracts
that video and nothing else. A video with no face gets an entry too (no crops, status "no_face"),
so a resumed run skips it and the report still names it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ml.media.faces import FaceSettings
from ml.media.jpeg import encode_jpeg
from ml.model.presets import face_settings_of
from ml.training.datasets import Clip

log = logging.getLogger(__name__)

CACHE_VERSION = 2
JPEG_QUALITY = 94
DEFAULT_CACHE_DIR = "var/cache/faces"

# The training cache's defaults, written once (the CLIs, prepare_dataset and evaluation's fallback for
# checkpoints that do not record them read these).
EXTRACT_FRAMES = 32  # frames sampled per video
SAMPLINGS = ("spread", "first")  # over the whole video, or the first N (the method's way)
SAMPLING = "spread"
# Crops are cut at 224 px, the GPU recipes' input, so one cache serves every recipe: the preset
# resizes them to the model's input (160 px on a CPU for the default recipe). Serving's own default is faces.CROP_SIZE.
TRAINING_CROP_SIZE = 224


@dataclass(frozen=True)
class ExtractSettings:
    """How the training videos are turned into cached face crops. A trained checkpoint records all of
    it: frames and sampling in preprocessing["extraction"], the face settings in preprocessing["faces"]."""

    frames: int = EXTRACT_FRAMES  # frames sampled per video
    sampling: str = SAMPLING  # "spread" over the video, or the "first" N (the method's way)
    faces: FaceSettings = field(default_factory=lambda: FaceSettings(crop_size=TRAINING_CROP_SIZE))

    def extraction(self) -> dict:
        """The part a checkpoint's preprocessing["extraction"] holds (the faces have a key of their own)."""
        return {"frames": self.frames, "sampling": self.sampling}

    @classmethod
    def from_dict(cls, d: dict) -> "ExtractSettings":
        """From asdict(settings), as a cache entry's meta["settings"] stores it."""
        return cls(frames=d["frames"], sampling=d["sampling"], faces=FaceSettings.from_dict(d["faces"]))

    @classmethod
    def from_preprocessing(cls, preprocessing: dict) -> "ExtractSettings":
        """The settings a checkpoint's training faces were extracted with. A checkpoint that does not
        record frames or sampling (untrained, or trained before they were recorded, whose provenance
        lacked them too: see ml.model.checkpoint) gets EXTRACT_FRAMES and SAMPLING; one without face
        settings, FaceSettings() (ml.model.presets.face_settings_of)."""
        recorded = preprocessing.get("extraction") or {}
        return cls(frames=int(recorded.get("frames", EXTRACT_FRAMES)), sampling=recorded.get("sampling", SAMPLING),
                   faces=face_settings_of(preprocessing))


@dataclass
class CacheEntry:
    jpegs: list[bytes]  # one per face, all tracks, in (track, time) order
    track: np.ndarray  # (N,) track id of each face
    frame_index: np.ndarray  # (N,)
    timestamp: np.ndarray  # (N,) seconds
    box: np.ndarray  # (N, 4) full-resolution pixels
    meta: dict  # status ("ok" | "no_face" | "error"), message, source, settings, frames_sampled, ...
    # (N, 5, 2) MTCNN's five points (eyes, nose, mouth corners), full-resolution pixels; None in entries
    # written before they were kept (self-blending then fits the face's ellipse to its box).
    landmarks: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.jpegs)

    def main_track(self) -> np.ndarray:
        """Indices of the faces of the longest track (what training learns from)."""
        ids, counts = np.unique(self.track, return_counts=True)
        return np.flatnonzero(self.track == ids[np.argmax(counts)])


# --- Files -----------------------------------------------------------------------------------------


def cache_key(path: str | os.PathLike, settings: ExtractSettings) -> str:
    stat = Path(path).stat()
    ident = {"name": Path(path).name, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
             "settings": asdict(settings), "version": CACHE_VERSION}
    return hashlib.sha1(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:20]


def entry_path(cache_dir: str | os.PathLike, path: str | os.PathLike, settings: ExtractSettings) -> Path:
    return Path(cache_dir) / f"{Path(path).stem[:60]}-{cache_key(path, settings)}.npz"


def read_entry(file: str | os.PathLike) -> CacheEntry:
    with np.load(file, allow_pickle=False) as z:
        blob, offsets = z["jpeg"], z["offsets"]
        jpegs = [blob[offsets[i] : offsets[i + 1]].tobytes() for i in range(len(offsets) - 1)]
        landmarks = z["landmarks"] if "landmarks" in z.files else None
        return CacheEntry(jpegs, z["track"], z["frame_index"], z["timestamp"], z["box"], json.loads(str(z["meta"])),
                          landmarks)


def write_entry(file: Path, entry: CacheEntry) -> None:
    """Atomic: a run killed mid-write leaves no half entry for the resumed run to trust."""
    file.parent.mkdir(parents=True, exist_ok=True)
    sizes = [len(b) for b in entry.jpegs]
    blob = np.frombuffer(b"".join(entry.jpegs), np.uint8)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    optional = {} if entry.landmarks is None else {"landmarks": entry.landmarks}
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=f".{file.stem}.", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, jpeg=blob, offsets=offsets, track=entry.track, frame_index=entry.frame_index,
                     timestamp=entry.timestamp, box=entry.box, meta=json.dumps(entry.meta), **optional)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- Extraction ------------------------------------------------------------------------------------


def extract_clip(path: str | os.PathLike, settings: ExtractSettings, face_detector) -> CacheEntry:
    """The face tracks serving would score (ml.serving.pipeline.find_face_tracks), crops as JPEG."""
    from ml.serving.pipeline import find_face_tracks

    found = find_face_tracks(path, settings.frames, settings.sampling, face_detector)
    faces = [(t.id, f) for t in found.tracks for f in t.faces]
    meta = {"source": str(path), "settings": asdict(settings), "frames_sampled": found.frames_sampled,
            "faces_found": found.faces_found, "fps": found.video.fps, "frame_count": found.video.frame_count,
            "width": found.video.width,
            "height": found.video.height, "tracks": len(found.tracks),
            "status": "ok" if faces else "no_face", "message": "" if faces else "no face found"}
    return CacheEntry(
        jpegs=[encode_jpeg(f.crop, JPEG_QUALITY) for _, f in faces],
        track=np.array([t for t, _ in faces], np.int32),
        frame_index=np.array([f.frame_index for _, f in faces], np.int64),
        timestamp=np.array([f.timestamp_s for _, f in faces], np.float32),
        box=np.array([f.box for _, f in faces], np.float32).reshape(-1, 4),
        meta=meta,
        landmarks=_landmarks([f for _, f in faces]),
    )


def _landmarks(faces) -> np.ndarray | None:
    """(N, 5, 2) of every face's landmarks; None unless every face has them."""
    if not faces or any(f.landmarks is None for f in faces):
        return None
    return np.array([f.landmarks for f in faces], np.float32).reshape(-1, 5, 2)


def _empty(meta: dict) -> CacheEntry:
    return CacheEntry([], np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.float32),
                      np.zeros((0, 4), np.float32), meta)


# --- Preparing a whole dataset ---------------------------------------------------------------------


_worker_detector = None


def _init_worker(device: str, settings: ExtractSettings, threads: int = 1) -> None:
    global _worker_detector
    import torch

    torch.set_num_threads(threads)  # parallelism comes from the processes
    from ml.media.faces import FaceDetector

    _worker_detector = FaceDetector.from_settings(settings.faces, device)


def _prepare_one(job: tuple[str, str, ExtractSettings]) -> dict:
    path, out, settings = job
    try:
        entry = extract_clip(path, settings, _worker_detector)
    except Exception as exc:  # a damaged video is reported and skipped, never stops the run
        entry = _empty({"source": path, "status": "error", "message": f"{exc.__class__.__name__}: {exc}"})
    write_entry(Path(out), entry)
    return {"path": path, "status": entry.meta["status"], "message": entry.meta.get("message", ""), "crops": len(entry)}


def prepare_cache(
    clips: Iterable[Clip],
    cache_dir: str | os.PathLike,
    settings: ExtractSettings = ExtractSettings(),
    workers: int = 1,
    device: str = "cpu",
    progress: bool = True,
) -> dict:
    """Extract every clip not cached yet; return a report {clips, cached, extracted, no_face, errors}."""
    clips = list(clips)
    jobs, cached = [], 0
    for clip in clips:
        out = entry_path(cache_dir, clip.path, settings)
        if out.is_file():
            cached += 1
        else:
            jobs.append((clip.path, str(out), settings))
    results = list(_run_jobs(jobs, workers, device, settings, progress))
    return {
        "clips": len(clips),
        "cached": cached,
        "extracted": sum(r["status"] == "ok" for r in results),
        "no_face": [r["path"] for r in results if r["status"] == "no_face"],
        "errors": {r["path"]: r["message"] for r in results if r["status"] == "error"},
    }


def _run_jobs(jobs, workers: int, device: str, settings: ExtractSettings, progress: bool):
    bar = _bar(len(jobs), progress)
    if workers <= 1 or len(jobs) <= 1:
        _init_worker(device, settings, threads=max(1, os.cpu_count() or 1))
        for job in jobs:
            yield _prepare_one(job)
            bar.update(1)
    else:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")  # torch and fork do not mix well once threads exist
        with ctx.Pool(workers, initializer=_init_worker, initargs=(device, settings)) as pool:
            for result in pool.imap_unordered(_prepare_one, jobs):
                yield result
                bar.update(1)
    bar.close()


def _bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="faces", unit="video", disable=not enabled)


def load_entry(cache_dir: str | os.PathLike, clip: Clip, settings: ExtractSettings) -> CacheEntry | None:
    """The cached entry of `clip`, or None when it was never extracted."""
    file = entry_path(cache_dir, clip.path, settings)
    return read_entry(file) if file.is_file() else None
