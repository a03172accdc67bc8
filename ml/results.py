"""Plain dataclasses that cross the boundary between ml/ and the web app."""

from __future__ import annotations

from dataclasses import dataclass, field

REAL, FAKE = 0, 1
CLASS_NAMES = ("real", "fake")  # index order is part of the checkpoint contract

VERDICT_REAL = "real"
VERDICT_FAKE = "fake"
VERDICT_UNCERTAIN = "uncertain"
VERDICT_NO_FACE = "no_face"


@dataclass(frozen=True)
class VideoInfo:
    path: str
    duration_s: float | None  # None when the container does not say (MediaRecorder WebM)
    fps: float
    width: int
    height: int
    frame_count: int | None  # None when unknown without decoding the whole stream
    rotation: int = 0  # degrees, as stored in the container's metadata
    codec: str = ""


@dataclass
class AnalyzeOptions:
    frames: int = 20  # how many frames to sample
    sampling: str = "spread"  # "spread" over the whole video, or "first" N frames (the method's way)
    # None: use the loaded detector's own values (calibrated when it was trained and stored in its
    # checkpoint); a number overrides them (ml.decision.settle_rule).
    threshold: float | None = None  # fake probability at or above which a face track is called fake
    uncertain_band: float | None = None  # |p - threshold| below this is "uncertain"
    detect_max_side: int | None = None  # None: the checkpoint's face settings (frames are downscaled to it for MTCNN)
    max_duration_s: float | None = None  # longer videos are refused
    # Frames larger than this on either side are refused before decoding (one 8192x8192 frame is 200 MB
    # of RGB; a worker's memory would stay at that peak). None: no limit.
    max_side: int | None = 4096
    # FFmpeg's decoding threads for this video; 0: its own choice (one per core). Several analyses at
    # once decode faster overall on one thread each (12 % less CPU for the same frames on this host).
    decode_threads: int = 0
    # Heatmaps (ml/serving/heatmaps.py) for each track's K most suspicious crops; 0: none. The worker
    # passes DEEPTRACE_HEATMAPS_TOP_K.
    heatmaps_top_k: int = 0


@dataclass
class FrameScore:
    track: int
    frame_index: int
    timestamp_s: float
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in full-resolution pixels
    fake_probability: float
    crop_jpeg: bytes = field(repr=False)
    # Where the model looked for this crop's score (a Grad-CAM overlay on the crop), None when not made.
    heatmap_jpeg: bytes | None = field(default=None, repr=False)


@dataclass
class TrackScore:
    track: int
    fake_probability: float
    frames: int


@dataclass
class AnalysisResult:
    verdict: str  # real | fake | uncertain | no_face
    confidence: float  # probability of the verdict's class, 0..1 (0 for no_face)
    fake_probability: float | None  # of the most suspicious track; None when no face was found
    # The decision rule this verdict was made with (ml.decision.settle_rule), stored with the analysis so
    # that its evidence is read by the same rule whatever the model's threshold becomes later.
    threshold: float
    uncertain_band: float
    frames_sampled: int
    faces_found: int
    video: VideoInfo
    tracks: list[TrackScore] = field(default_factory=list)
    frames: list[FrameScore] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage, plus "total"
