"""The one seam between the web app and ml/: load the active model once per process, run the pipeline.

Tests patch nothing here for the end-to-end path; fast tests may patch `run_pipeline` at this module.
"""

import logging
import threading
import time

from django.conf import settings

from ml.results import AnalyzeOptions

# torch and the pipeline are imported inside the functions that need them: web processes import this
# module (through services) but never run the model, and should not pay torch's start-up and memory.

log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded = {}  # (model_version pk, checkpoint sha256) -> ml.model.checkpoint.Detector; one entry at a time
# Seconds per requested frame of this process's last analysis with each loaded model (model loading not
# counted): what the next analysis here is expected to take (expected_seconds).
_speed = {}


def pick_device():
    """DEEPTRACE_DEVICE, or for "auto" the checkpoint module's own choice (CUDA when available)."""
    from ml.model.checkpoint import default_device

    wanted = settings.DEEPTRACE_DEVICE
    return default_device() if wanted == "auto" else wanted


def _key(model_version):
    return (model_version.pk, model_version.checkpoint_sha256)


def is_loaded(model_version):
    """Whether this process holds this version's model already (else the next analysis loads it first)."""
    return _key(model_version) in _loaded


def expected_seconds(model_version, frames):
    """How long this process should take to analyse `frames` frames with this version, from the speed it
    measured on its last analysis; None before it has finished one."""
    speed = _speed.get(_key(model_version))
    return None if speed is None else round(speed * frames, 1)


def detector_for(model_version):
    """Return the loaded detector for this version, loading it (once per process) if needed."""
    key = _key(model_version)
    with _lock:
        if key not in _loaded:
            _loaded.clear()  # a newly activated version replaces the old one in memory
            _speed.clear()
            log.info("Loading model %s", model_version)
            _loaded[key] = load_for_serving(model_version.checkpoint_path)
        return _loaded[key]


def load_for_serving(checkpoint_path):
    """A checkpoint loaded on this process's device, with that device's acceleration (ml.serving.acceleration)."""
    from ml.model import checkpoint
    from ml.serving import acceleration

    device = pick_device()
    detector = checkpoint.load_detector(checkpoint_path, device=device)
    return acceleration.accelerate(
        detector, acceleration.Acceleration.for_device(device, compile=settings.DEEPTRACE_COMPILE,
                                                       cpu_threads=settings.DEEPTRACE_CPU_THREADS))


def options_for(analysis, model_version):
    """What the pipeline runs with: the version's rule (staff may have tuned its checkpoint's in the
    admin) chosen here, and settled with the rest by the pipeline (ml.decision.settle_rule)."""
    threshold, band = model_version.decision_rule
    return AnalyzeOptions(
        frames=analysis.frames_requested,
        threshold=threshold,
        uncertain_band=band,
        max_duration_s=settings.DEEPTRACE_MAX_DURATION_S,
        max_side=settings.DEEPTRACE_MAX_VIDEO_SIDE,
        heatmaps_top_k=settings.DEEPTRACE_HEATMAPS_TOP_K,
    )


def read_provenance(path, progress):
    """The file's Content Credentials and metadata (ml.media.provenance), as the "provenance" stage.
    Never raises: provenance is a second line of evidence, and the detection goes on without it."""
    from ml.media import provenance

    progress("provenance", 0.0)
    try:
        found = provenance.read(path, trust_anchors())
    except Exception:  # a bug on our side, not the user's file: log it, keep the analysis going
        log.exception("Reading the provenance of %s failed", path)
        found = None
    progress("provenance", 1.0)
    return found


def trust_anchors():
    """The PEM text of DEEPTRACE_C2PA_TRUST_ANCHORS (read at each analysis, so a new list needs no
    restart), or None when no trust list is configured."""
    path = settings.DEEPTRACE_C2PA_TRUST_ANCHORS
    if not path:
        return None
    with open(path, encoding="ascii", errors="replace") as f:
        return f.read()


def run_pipeline(path, model_version, options, progress):
    from ml.serving import pipeline

    if not is_loaded(model_version):  # a cold worker: say so, loading takes seconds with nothing to report
        progress("loading", 0.0)
    detector = detector_for(model_version)
    started = time.monotonic()
    if not shares_batches():
        result = pipeline.analyze(path, detector, options, progress)
    else:
        # Several analyses run in this process (a worker with --pool threads): their MTCNN, backbone and
        # LSTM calls are merged into shared batches, which keeps a GPU busy (ml/serving/many_videos.py).
        from ml.serving import many_videos

        engines = shared_engines(detector)
        options = many_videos.alongside_others(options, settings.CELERY_WORKER_CONCURRENCY)
        result = pipeline.analyze(path, detector, options, progress, face_detector=engines.face_detector,
                                  encode=engines.encode, classify=engines.classify)
    if options.frames:
        _speed[_key(model_version)] = (time.monotonic() - started) / options.frames
    return result


def shared_engines(detector):
    """The process's shared MTCNN, backbone and LSTM batchers, sized by DEEPTRACE_DETECT_BATCH/ENCODE_BATCH
    (the worker's and `analyze_many`'s alike)."""
    from ml.serving import microbatch

    return microbatch.shared_engines(detector, detect_batch=settings.DEEPTRACE_DETECT_BATCH,
                                     encode_batch=settings.DEEPTRACE_ENCODE_BATCH)


def shares_batches():
    return settings.CELERY_WORKER_POOL == "threads" and settings.CELERY_WORKER_CONCURRENCY > 1
