"""Face-crop sequence cache: each video decoded and searched for faces once, never in the training loop.

One .npz per video under the cache folder, named by a key made of the file's identity (name, size,
mtime) and the extraction settings, so changing a setting or the file re-extracts it and nothing else.
An entry holds the main face track's crops (T, S, S, 3) uint8, their frame indices and boxes, and a
JSON metadata string. A video with no face gets an entry too (zero crops, status "no_face"), so a
resumed run skips it and the report still names it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ml.datasets import Clip

log = logging.getLogger(__name__)

CACHE_VERSION = 1


@dataclass(frozen=True)
class ExtractSettings:
    frames: int = 20  # frames sampled per video
    sampling: str = "spread"  # "spread" over the video, or the "first" N (the method's way)
    crop_size: int = 112
    margin: float = 0.3
    detect_max_side: int = 640


@dataclass
class CacheEntry:
    crops: np.ndarray  # (T, S, S, 3) uint8, the main face track in time order
    frame_indices: np.ndarray  # (T,)
    meta: dict  # status ("ok" | "no_face" | "error"), message, source path, settings


def cache_key(path: str | os.PathLike, settings: ExtractSettings) -> str:
    stat = Path(path).stat()
    ident = {"name": Path(path).name, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
             "settings": asdict(settings), "version": CACHE_VERSION}
    return hashlib.sha1(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:20]


def entry_path(cache_dir: str | os.PathLike, path: str | os.PathLike, settings: ExtractSettings) -> Path:
    return Path(cache_dir) / f"{Path(path).stem[:60]}-{cache_key(path, settings)}.npz"


def read_entry(file: str | os.PathLike) -> CacheEntry:
    with np.load(file, allow_pickle=False) as z:
        return CacheEntry(z["crops"], z["frame_indices"], json.loads(str(z["meta"])))


def write_entry(file: Path, entry: CacheEntry) -> None:
    """Atomic: a run killed mid-write leaves no half entry for the resumed run to trust."""
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=f".{file.stem}.", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, crops=entry.crops, frame_indices=entry.frame_indices, meta=json.dumps(entry.meta))
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- Extraction ------------------------------------------------------------------------------------


def extract_clip(path: str | os.PathLike, settings: ExtractSettings, face_detector) -> CacheEntry:
    """Sample frames, detect faces, keep the main track (the one seen in most frames)."""
    from ml.faces import Face, build_tracks
    from ml.video import probe, sample_frames

    info = probe(path)
    frames = list(sample_frames(path, settings.frames, settings.sampling, info))
    detections = face_detector.detect([rgb for _, _, rgb in frames], settings.detect_max_side)
    faces = [
        Face(pos, index, ts, d.box, d.probability, None)
        for pos, ((index, ts, _), dets) in enumerate(zip(frames, detections))
        for d in dets
    ]
    meta = {"source": str(path), "settings": asdict(settings), "frames_sampled": len(frames),
            "faces_found": len(faces), "fps": info.fps, "width": info.width, "height": info.height}
    tracks = build_tracks(faces, (info.width, info.height))
    if not tracks:
        return _empty(settings, {**meta, "status": "no_face", "message": "no face found"})
    main = max(tracks, key=lambda t: (len(t.faces), sum(_area(f.box) for f in t.faces)))
    crops = [face_detector.crop_faces(frames[f.frame_pos][2], [_as_detection(f)])[0] for f in main.faces]
    return CacheEntry(
        crops=np.stack(crops).astype(np.uint8),
        frame_indices=np.array([f.frame_index for f in main.faces], dtype=np.int64),
        meta={**meta, "status": "ok", "tracks": len(tracks), "track_length": len(main.faces)},
    )


def _as_detection(face):
    from ml.faces import Detection

    return Detection(face.box, face.probability)


def _area(box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _empty(settings: ExtractSettings, meta: dict) -> CacheEntry:
    s = settings.crop_size
    return CacheEntry(np.zeros((0, s, s, 3), np.uint8), np.zeros((0,), np.int64), meta)


# --- Preparing a whole dataset ---------------------------------------------------------------------


_worker_detector = None


def _init_worker(device: str, settings: ExtractSettings) -> None:
    global _worker_detector
    import torch

    torch.set_num_threads(1)  # one core per worker process; parallelism comes from the processes
    from ml.faces import FaceDetector

    _worker_detector = FaceDetector(device, margin=settings.margin, crop_size=settings.crop_size,
                                    detect_max_side=settings.detect_max_side)


def _prepare_one(job: tuple[str, str, ExtractSettings]) -> dict:
    path, out, settings = job
    try:
        entry = extract_clip(path, settings, _worker_detector)
    except Exception as exc:  # a damaged video is reported and skipped, never stops the run
        entry = _empty(settings, {"source": path, "status": "error", "message": f"{exc.__class__.__name__}: {exc}"})
    write_entry(Path(out), entry)
    return {"path": path, "status": entry.meta["status"], "message": entry.meta.get("message", ""),
            "crops": int(len(entry.crops))}


def prepare_cache(
    clips: Iterable[Clip],
    cache_dir: str | os.PathLike,
    settings: ExtractSettings = ExtractSettings(),
    workers: int = 1,
    device: str = "cpu",
    progress: bool = True,
) -> dict:
    """Extract every clip not cached yet; return a report {cached, extracted, no_face, errors}."""
    clips = list(clips)
    jobs, cached = [], 0
    for clip in clips:
        out = entry_path(cache_dir, clip.path, settings)
        if out.is_file():
            cached += 1
        else:
            jobs.append((clip.path, str(out), settings))
    results = list(_run_jobs(jobs, workers, device, settings, progress))
    report = {
        "clips": len(clips),
        "cached": cached,
        "extracted": sum(r["status"] == "ok" for r in results),
        "no_face": [r["path"] for r in results if r["status"] == "no_face"],
        "errors": {r["path"]: r["message"] for r in results if r["status"] == "error"},
    }
    return report


def _run_jobs(jobs, workers: int, device: str, settings: ExtractSettings, progress: bool):
    bar = _bar(len(jobs), progress)
    if workers <= 1 or len(jobs) <= 1:
        _init_worker(device, settings)
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


def load_clip_crops(cache_dir: str | os.PathLike, clip: Clip, settings: ExtractSettings) -> CacheEntry | None:
    """The cached entry of `clip`, or None when it was never extracted."""
    file = entry_path(cache_dir, clip.path, settings)
    return read_entry(file) if file.is_file() else None


def settings_from_dict(d: dict) -> ExtractSettings:
    return ExtractSettings(**{k: d[k] for k in ExtractSettings.__dataclass_fields__ if k in d})
