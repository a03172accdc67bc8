"""The ISO BMFF (MP4, MOV, 3GP) box structure, read without touching the media data.

Top-level boxes are walked by their headers (the media data, `mdat`, is skipped by a seek); only the
`moov` box is read, capped at MAX_MOOV_BYTES. From it: the movie's creation and modification times
(`mvhd`), and for each track its handler (`hdlr`), its display matrix (`tkhd`, for the rotation) and
its edit list (`elst`). `read_structure` returns None for a file that is not ISO BMFF.
"""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

MAX_MOOV_BYTES = 64 * 1024 * 1024
_EPOCH_1904 = datetime(1904, 1, 1, tzinfo=timezone.utc)
_CONTAINERS = {b"trak", b"mdia", b"edts", b"minf", b"stbl"}
HANDLERS = {"vide": "video", "soun": "audio", "text": "text", "sbtl": "subtitle", "subt": "subtitle",
            "meta": "metadata", "tmcd": "timecode", "hint": "hint"}


@dataclass
class Track:
    track_id: int = 0
    handler: str = ""
    rotation: int = 0
    edits: int = 0  # entries of its edit list; 0: none
    empty_edits: int = 0  # entries that show nothing (a gap) before or between segments


@dataclass
class Structure:
    top_level: list[str] = field(default_factory=list)
    created: datetime | None = None
    modified: datetime | None = None
    tracks: list[Track] = field(default_factory=list)
    index_at_start: bool | None = None  # the index (moov) before the media data (mdat): "fast start"
    fragmented: bool = False
    index_read: bool = False  # the moov box was found and read (tracks are known)
    truncated: bool = False  # a top-level box claims more bytes than the file has left: the file was cut

    def has_video_track(self) -> bool | None:
        """Whether the index declares a video track; None when the index could not be read."""
        return any(t.handler == "vide" for t in self.tracks) if self.index_read else None


def read_structure(path: str | os.PathLike) -> Structure | None:
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(12)
        if len(head) < 12 or head[4:8] not in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
            return None
        structure, moov = Structure(), None
        offset = 0
        while offset + 8 <= size and len(structure.top_level) < 1000:
            f.seek(offset)
            kind, box_size, header = _header(f, size - offset)
            if kind is None:
                break
            if box_size > size - offset:
                structure.truncated = True
                break
            structure.top_level.append(kind.decode("latin-1"))
            if kind == b"moov" and moov is None and box_size - header <= MAX_MOOV_BYTES:
                moov = f.read(box_size - header)
            offset += box_size
    if moov is None:
        return structure
    structure.index_read = True
    names = structure.top_level
    structure.index_at_start = "mdat" not in names or names.index("moov") < names.index("mdat")
    structure.fragmented = "moof" in names
    _parse_moov(moov, structure)
    return structure


def _header(f, left: int):
    raw = f.read(8)
    if len(raw) < 8:
        return None, 0, 0
    box_size, kind = struct.unpack(">I4s", raw)
    header = 8
    if box_size == 1:
        large = f.read(8)
        if len(large) < 8:
            return None, 0, 0
        box_size, header = struct.unpack(">Q", large)[0], 16
    elif box_size == 0:  # runs to the end of the file
        box_size = left
    if box_size < header:
        return None, 0, 0
    return kind, box_size, header  # box_size > left: the caller's file was cut


def _children(data: bytes):
    """(kind, payload) of each box in `data`."""
    offset = 0
    while offset + 8 <= len(data):
        box_size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if box_size == 1 and offset + 16 <= len(data):
            box_size, header = struct.unpack_from(">Q", data, offset + 8)[0], 16
        elif box_size == 0:
            box_size = len(data) - offset
        if box_size < header or offset + box_size > len(data):
            return
        yield kind, data[offset + header: offset + box_size]
        offset += box_size


def _parse_moov(moov: bytes, structure: Structure) -> None:
    for kind, payload in _children(moov):
        if kind == b"mvhd":
            structure.created, structure.modified = _times(payload)
        elif kind == b"trak":
            track = Track()
            _parse_track(payload, track)
            structure.tracks.append(track)


def _parse_track(data: bytes, track: Track) -> None:
    for kind, payload in _children(data):
        if kind in _CONTAINERS:
            _parse_track(payload, track)
        elif kind == b"tkhd":
            _tkhd(payload, track)
        elif kind == b"hdlr" and len(payload) >= 12:
            track.handler = payload[8:12].decode("latin-1")
        elif kind == b"elst":
            _elst(payload, track)


def _times(payload: bytes):
    """Creation and modification times of an mvhd/tkhd (seconds since 1904; 0 means not recorded)."""
    version = payload[0] if payload else 0
    fmt, need = (">QQ", 20) if version == 1 else (">II", 12)
    if len(payload) < need:
        return None, None
    created, modified = struct.unpack_from(fmt, payload, 4)
    return _moment(created), _moment(modified)


def _moment(seconds: int) -> datetime | None:
    if not seconds:
        return None
    try:
        return _EPOCH_1904 + timedelta(seconds=seconds)
    except OverflowError:
        return None


def _tkhd(payload: bytes, track: Track) -> None:
    version = payload[0] if payload else 0
    id_at, matrix_at = (20, 52) if version == 1 else (12, 40)
    if len(payload) < matrix_at + 36:
        return
    track.track_id = struct.unpack_from(">I", payload, id_at)[0]
    a, b, _u, c, d = struct.unpack_from(">iiiii", payload, matrix_at)  # 16.16 fixed point
    if a or b or c or d:
        track.rotation = round(math.degrees(math.atan2(b, a))) % 360


def _elst(payload: bytes, track: Track) -> None:
    if len(payload) < 8:
        return
    version, count = payload[0], struct.unpack_from(">I", payload, 4)[0]
    entry, fmt = (20, ">Qq") if version == 1 else (12, ">Ii")
    count = min(count, (len(payload) - 8) // entry)
    track.edits = count
    for i in range(count):
        _duration, media_time = struct.unpack_from(fmt, payload, 8 + i * entry)
        track.empty_edits += media_time == -1
