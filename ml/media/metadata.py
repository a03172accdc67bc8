"""The file's own metadata, as a fact-checker reads it: container, writing application, device, times,
tracks, rotation, frame timing and signs of editing. Plain data out; nothing is decoded.

Two cheap reads: PyAV opens the container (headers and the sample index, never a frame) for its tags
and streams, and for MP4 / MOV a walk over the ISO BMFF boxes (`ml.media.boxes`) gives what FFmpeg
does not expose: the movie's own creation and modification times, edit lists, the track matrix
(rotation) and where the index sits. `read_metadata` never raises: an unreadable file is
{"readable": False, ...} with the reason.
"""

from __future__ import annotations

import os
import statistics
from datetime import datetime, timezone

from ml.media import boxes

# Container tags worth showing, in the order shown: FFmpeg's names, then QuickTime's (phones write these).
_DEVICE_TAGS = {
    "make": ("com.apple.quicktime.make", "make", "com.android.manufacturer"),
    "model": ("com.apple.quicktime.model", "model", "com.android.model"),
    "software": ("com.apple.quicktime.software", "software", "com.android.version"),
    "location": ("com.apple.quicktime.location.ISO6709", "location", "location-eng"),
}
# Writing applications that convert or edit (a camera or phone names its own firmware instead).
_EDITING_TOOLS = ("lavf", "ffmpeg", "handbrake", "premiere", "after effects", "final cut", "davinci", "imovie",
                  "capcut", "shotcut", "kdenlive", "openshot", "vegas", "movavi", "clipchamp", "inshot", "mencoder",
                  "mkvmerge", "avidemux", "videoproc", "adobe")
# Frame durations differing by more than this share of the typical one count as irregular.
_IRREGULAR = 0.25
_MAX_TIMING_SAMPLES = 20_000


def read_metadata(path: str | os.PathLike) -> dict:
    facts = _empty(path)
    try:
        import av

        with av.open(str(path), metadata_errors="ignore") as container:
            _from_container(container, facts)
    except Exception as error:  # noqa: BLE001  any file a user sends: say it, never fail the analysis
        facts["readable"] = False
        facts["error"] = f"The container could not be read ({type(error).__name__})."
    try:
        structure = boxes.read_structure(path)
    except Exception:  # noqa: BLE001  a damaged box tree: the PyAV facts stand alone
        structure = None
    if structure is not None:
        _from_boxes(structure, facts)
    facts["observations"] = _observations(facts)
    return facts


def _empty(path) -> dict:
    size = os.path.getsize(path) if os.path.exists(path) else None
    return {"readable": True, "error": None, "format": None, "format_name": None, "brand": None,
            "size_bytes": size, "duration_s": None, "bit_rate": None, "written_by": None, "encoders": [],
            "device": {"make": None, "model": None, "software": None, "location": None},
            "created_at": None, "modified_at": None, "tagged_creation_time": None,
            "video": [], "audio": [], "other_tracks": 0, "rotation": 0,
            "frame_timing": {"checked_frames": 0, "irregular": None, "min_interval_s": None,
                             "max_interval_s": None, "typical_interval_s": None},
            "edit_lists": [], "index_at_start": None, "fragmented": None, "observations": []}


def _from_container(container, facts: dict) -> None:
    tags = {k.lower(): v for k, v in container.metadata.items()}
    facts["format_name"] = container.format.name
    facts["format"] = container.format.long_name
    facts["brand"] = tags.get("major_brand")
    facts["duration_s"] = round(container.duration / 1_000_000, 3) if container.duration else None
    facts["bit_rate"] = container.bit_rate or None
    facts["tagged_creation_time"] = tags.get("creation_time") or tags.get("date")
    encoders = [tags[key] for key in ("encoder", "writing_application", "encoded_by") if tags.get(key)]
    for name, keys in _DEVICE_TAGS.items():
        facts["device"][name] = next((tags[key.lower()] for key in keys if tags.get(key.lower())), None)
    for stream in container.streams:
        stream_tags = {k.lower(): v for k, v in stream.metadata.items()}
        if stream_tags.get("encoder"):
            encoders.append(stream_tags["encoder"])
        if stream.type == "video":
            facts["video"].append(_video_stream(stream, stream_tags))
        elif stream.type == "audio":
            facts["audio"].append({"codec": stream.codec_context.name, "sample_rate": stream.codec_context.sample_rate
                                   or None, "channels": stream.codec_context.channels or None,
                                   "handler": stream_tags.get("handler_name")})
        else:
            facts["other_tracks"] += 1
    facts["encoders"] = list(dict.fromkeys(encoders))
    facts["written_by"] = facts["device"]["software"] or (facts["encoders"][0] if facts["encoders"] else None)
    if container.streams.video:
        facts["frame_timing"] = _frame_timing(container.streams.video[0])


def _video_stream(stream, tags: dict) -> dict:
    ctx = stream.codec_context
    return {"codec": ctx.name, "profile": stream.profile, "width": ctx.width or None, "height": ctx.height or None,
            "frame_rate": _rate(stream.base_rate), "average_frame_rate": _rate(stream.average_rate),
            "frames": stream.frames or None, "handler": tags.get("handler_name")}


def _rate(rate) -> float | None:
    return round(float(rate), 3) if rate else None


def _frame_timing(stream) -> dict:
    """Intervals between frames from the container's sample index (no packet is read). A container
    without a per-frame index (WebM, MKV: key frames only) leaves `irregular` unknown."""
    entries = stream.index_entries
    timing = {"checked_frames": 0, "irregular": None, "min_interval_s": None, "max_interval_s": None,
              "typical_interval_s": None}
    count = min(len(entries), _MAX_TIMING_SAMPLES)
    if count < 3 or stream.time_base is None or (stream.frames and count < min(stream.frames, _MAX_TIMING_SAMPLES)):
        return timing
    stamps = sorted(entries[i].timestamp for i in range(count))
    gaps = [(b - a) * float(stream.time_base) for a, b in zip(stamps, stamps[1:]) if b > a]
    if not gaps:
        return timing
    typical = statistics.median(gaps)
    timing.update(checked_frames=count, min_interval_s=round(min(gaps), 6), max_interval_s=round(max(gaps), 6),
                  typical_interval_s=round(typical, 6),
                  irregular=max(gaps) > typical * (1 + _IRREGULAR) or min(gaps) < typical * (1 - _IRREGULAR))
    return timing


def _from_boxes(structure: boxes.Structure, facts: dict) -> None:
    facts["created_at"] = _iso(structure.created)
    facts["modified_at"] = _iso(structure.modified)
    facts["index_at_start"] = structure.index_at_start
    facts["fragmented"] = structure.fragmented
    facts["rotation"] = next((t.rotation for t in structure.tracks if t.handler == "vide" and t.rotation), 0)
    facts["edit_lists"] = [{"track": t.track_id, "kind": boxes.HANDLERS.get(t.handler, t.handler), "edits": t.edits,
                            "empty_edits": t.empty_edits} for t in structure.tracks if t.edits]
    if not facts["video"]:  # PyAV could not open it; the boxes still tell how many tracks there are
        facts["video"] = [{"codec": None, "profile": None, "width": None, "height": None, "frame_rate": None,
                           "average_frame_rate": None, "frames": None, "handler": None}
                          for t in structure.tracks if t.handler == "vide"]


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if moment else None


def _observations(facts: dict) -> list[dict]:
    """What a fact-checker should notice, each {"code", "text"} in plain words."""
    notes = []

    def note(code, text):
        notes.append({"code": code, "text": text})

    if not facts["readable"]:
        note("unreadable", "The container could not be read, so its metadata is unknown.")
        return notes
    tool = facts["written_by"] or ""
    if any(name in tool.lower() for name in _EDITING_TOOLS):
        named = f"FFmpeg ({tool})" if tool.lower().startswith("lavf") else tool
        note("written_by_software", f"The file was written by {named}, software that converts or edits video; a file "
                                    "straight from a phone or camera usually names the device's own software.")
    elif not tool and not facts["device"]["make"]:
        note("no_writer", "The file does not say which device or program wrote it.")
    if len(facts["video"]) > 1:
        note("several_video_tracks", f"The file holds {len(facts['video'])} video tracks; cameras write one. "
                                     "Several are a sign of editing or of a file assembled by software.")
    for edit in facts["edit_lists"]:
        if edit["edits"] - edit["empty_edits"] > 1:  # one segment, maybe after a gap: a muxer's start offset
            note("edit_list", f"The {edit['kind']} track has an edit list of {edit['edits']} segments: the "
                              "player shows parts of the recording in another order or skips some, without "
                              "re-encoding. Editors write these; cameras do not.")
    created, modified = facts["created_at"], facts["modified_at"]
    if created and modified and created != modified:
        note("modified_after_creation", f"The file records a modification ({modified}) after its creation "
                                        f"({created}).")
    if not created and facts["format_name"] and "mp4" in facts["format_name"]:
        note("no_creation_time", "The file records no creation time; conversions and many apps clear it.")
    timing = facts["frame_timing"]
    if timing["irregular"]:
        note("irregular_frame_timing", f"Frames are not evenly spaced (intervals from {timing['min_interval_s']:.3f} "
                                       f"to {timing['max_interval_s']:.3f} s). Phones, screen recordings and "
                                       "some edits do this; it is not by itself a sign of manipulation.")
    if facts["rotation"]:
        note("rotated", f"The video is stored turned and carries a tag to rotate it by {facts['rotation']} degrees "
                        "for display (as phones record).")
    return notes
