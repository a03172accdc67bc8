"""Error types whose message is a sentence a user can read.

The worker stores `str(error)` as the analysis' failure reason, so every message here must make sense
to a journalist who uploaded a clip, not only to a developer.
"""


class VideoError(Exception):
    """The file cannot be analysed as a video. `code` is stable for API clients."""

    code = "invalid_video"


class UnreadableVideo(VideoError):
    code = "unreadable_video"


class TruncatedVideo(VideoError):
    code = "truncated_video"


class NoVideoStream(VideoError):
    code = "no_video_stream"


class VideoTooLong(VideoError):
    code = "video_too_long"


class VideoTooLarge(VideoError):
    """Frames larger than the pipeline decodes (DEEPTRACE_MAX_VIDEO_SIDE)."""

    code = "video_too_large"


class AnalysisCrashed(VideoError):
    """The process analysing the video died (killed, out of memory, a crash in a decoder) more than once."""

    code = "analysis_crashed"


class CheckpointError(Exception):
    """A checkpoint is missing, corrupt or of a format this code cannot rebuild."""


class InvalidScore(RuntimeError):
    """The model gave a score that is not a probability (NaN or infinite: broken weights, an overflow in
    reduced precision). Not the video's fault: the worker reports an internal error, never a verdict."""
