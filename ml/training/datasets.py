"""Labelled video datasets in the shapes they are published in, read into one list of `Clip`s.

Layouts (detected by `detect_layout`, or named):
- manifest: a CSV with columns file, label (real|fake), optional group, method, compression;
  `file` is relative to the CSV's folder or absolute (what `export_reviews` writes).
- folders: real/ and fake/ subfolders.
- ffpp: FaceForensics++, original_sequences/... (real) and manipulated_sequences/<method>/... (fake).
- celebdf: Celeb-DF, Celeb-real/ and YouTube-real/ (real), Celeb-synthesis/ (fake).
- dfdc: DFDC parts, folders holding metadata.json ({"file.mp4": {"label": "FAKE", "original": ...}}).

Groups keep a real clip and the fakes made from it on the same side of a split. Where a layout says
who is in a clip (FF++ "035_036", Celeb-DF "id0_id1_0000", DFDC "original"), the group is derived from
it; otherwise the clip is its own group.

Several datasets train together (`load_datasets`): each is given as PATH or PATH:LAYOUT, its clips carry
the dataset's name (its folder's, or the manifest's file stem), and with more than one dataset every
group is prefixed by that name, so groups of different datasets never merge.
"""

from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

LAYOUTS = ("manifest", "folders", "ffpp", "celebdf", "dfdc")
VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg"}
MANIFEST_NAMES = ("manifest.csv", "labels.csv", "metadata.csv")
_LABELS = {"real": "real", "0": "real", "original": "real", "fake": "fake", "1": "fake", "deepfake": "fake"}


@dataclass(frozen=True)
class Clip:
    path: str  # absolute
    label: str  # "real" | "fake"
    group: str  # clips sharing a group never straddle train and test
    method: str = ""  # manipulation method, or the real source ("original_youtube")
    compression: str = ""  # e.g. c23 / c40 where the dataset says
    dataset: str = ""  # the dataset's name (load_datasets), for the per-dataset report

    @property
    def target(self) -> int:
        return 1 if self.label == "fake" else 0


class DatasetError(ValueError):
    """The folder is not a dataset we can read; the message says why in a sentence."""


def detect_layout(root: str | os.PathLike) -> str:
    root = Path(root)
    if root.is_file() and root.suffix.lower() == ".csv":
        return "manifest"
    if not root.is_dir():
        raise DatasetError(f"No dataset at {root}: it is neither a folder nor a CSV manifest.")
    names = {p.name for p in root.iterdir()}
    if any(n in names for n in MANIFEST_NAMES):
        return "manifest"
    if {"original_sequences", "manipulated_sequences"} & names:
        return "ffpp"
    if "Celeb-synthesis" in names or {"Celeb-real", "YouTube-real"} & names:
        return "celebdf"
    if {"real", "fake"} <= {n.lower() for n in names}:
        return "folders"
    if (root / "metadata.json").is_file() or any(root.glob("*/metadata.json")):
        return "dfdc"
    raise DatasetError(
        f"Cannot tell the layout of {root}: expected a manifest.csv, real/ and fake/ folders, "
        "FaceForensics++, Celeb-DF or DFDC folders. Name it with --format."
    )


def load_dataset(root: str | os.PathLike, layout: str | None = None) -> list[Clip]:
    layout = layout or detect_layout(root)
    if layout not in LAYOUTS:
        raise DatasetError(f"Unknown dataset format {layout!r}; choose one of {', '.join(LAYOUTS)}.")
    clips = _LOADERS[layout](Path(root))
    if not clips:
        raise DatasetError(f"The {layout} dataset at {root} holds no videos.")
    return sorted(clips, key=lambda c: c.path)


def parse_spec(spec: str, default_layout: str | None = None) -> tuple[str, str | None]:
    """(path, layout) of a dataset given as PATH or PATH:LAYOUT (LAYOUT one of LAYOUTS)."""
    path, _, layout = str(spec).rpartition(":")
    if path and layout in LAYOUTS:
        return path, layout
    return str(spec), default_layout


def dataset_name(path: str | os.PathLike) -> str:
    """A dataset's name: its folder's, or its manifest's file stem."""
    p = Path(path).resolve()
    return p.stem if p.is_file() else p.name


def load_datasets(specs, default_layout: str | None = None) -> list[Clip]:
    """The clips of every dataset in `specs` (PATH or PATH:LAYOUT; one spec alone may be a plain path
    string), each named, groups prefixed by the name when there is more than one dataset."""
    specs = [specs] if isinstance(specs, (str, os.PathLike)) else list(specs)
    names: list[str] = []
    clips: list[Clip] = []
    for spec in specs:
        path, layout = parse_spec(spec, default_layout)
        name = _unique(dataset_name(path), names)
        names.append(name)
        prefix = f"{name}/" if len(specs) > 1 else ""
        clips += [replace(c, dataset=name, group=prefix + c.group) for c in load_dataset(path, layout)]
    return sorted(clips, key=lambda c: c.path)


def _unique(name: str, taken: list[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}-{n}"
    return candidate


# --- Loaders --------------------------------------------------------------------------------------


def _load_manifest(root: Path) -> list[Clip]:
    csv_path = root if root.is_file() else next(root / n for n in MANIFEST_NAMES if (root / n).is_file())
    base = csv_path.parent
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    if rows and not {"file", "label"} <= set(rows[0]):
        raise DatasetError(f"{csv_path} needs the columns file and label (found {', '.join(rows[0])}).")
    return [_manifest_clip(base, row, n) for n, row in enumerate(rows, start=2)]


def _manifest_clip(base: Path, row: dict, line: int) -> Clip:
    label = _LABELS.get(str(row["label"]).strip().lower())
    if label is None:
        raise DatasetError(f"Line {line} of the manifest has label {row['label']!r}; use real or fake.")
    path = Path(row["file"])
    path = path if path.is_absolute() else base / path
    return Clip(
        path=str(path.resolve()),
        label=label,
        group=(row.get("group") or "").strip() or f"file:{row['file']}",
        method=(row.get("method") or "").strip(),
        compression=(row.get("compression") or "").strip(),
    )


def _load_folders(root: Path) -> list[Clip]:
    clips = []
    for sub in root.iterdir():
        if sub.is_dir() and sub.name.lower() in ("real", "fake"):
            label = sub.name.lower()
            clips += [Clip(str(p.resolve()), label, f"file:{p.relative_to(root)}") for p in _videos(sub)]
    return clips


def _load_ffpp(root: Path) -> list[Clip]:
    found = []  # (path, label, method)
    for p in _videos(root / "original_sequences"):
        source = p.relative_to(root / "original_sequences").parts[0]
        found.append((p, "real", f"original_{source}"))
    manipulated = root / "manipulated_sequences"
    for method_dir in sorted(d for d in manipulated.iterdir() if d.is_dir()) if manipulated.is_dir() else []:
        found += [(p, "fake", method_dir.name) for p in _videos(method_dir)]
    groups = _connected_groups([_ffpp_ids(p.stem) for p, _, _ in found])
    return [
        Clip(str(p.resolve()), label, group, method, _compression(p))
        for (p, label, method), group in zip(found, groups)
    ]


def _ffpp_ids(stem: str) -> list[str]:
    # "035_036" is person 035's video with 036's face: it shares people with the reals 035 and 036
    # (actors: "01_11__talking__X" with 01 and 11's "01__talking").
    ids = re.findall(r"\d+", stem.split("__")[0])
    return ids or [stem]


def _connected_groups(id_lists: list[list[str]]) -> list[str]:
    """One group per connected set of ids: clips sharing any person, directly or through others."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for ids in id_lists:
        find(ids[0])
        for other in ids[1:]:
            parent[find(other)] = find(ids[0])
    names: dict[str, str] = {}
    for x in sorted(parent):
        names.setdefault(find(x), x)  # a group is named by its smallest id
    return [f"ffpp:{names[find(ids[0])]}" for ids in id_lists]


def _compression(path: Path) -> str:
    return next((part for part in path.parts if re.fullmatch(r"c\d+|raw", part)), "")


def _load_celebdf(root: Path) -> list[Clip]:
    clips = []
    for folder, label in (("Celeb-real", "real"), ("YouTube-real", "real"), ("Celeb-synthesis", "fake")):
        for p in _videos(root / folder):
            clips.append(Clip(str(p.resolve()), label, _celebdf_group(p.stem), folder))
    return clips


def _celebdf_group(stem: str) -> str:
    # "id0_id16_0000" is a fake of id0's video 0000 with id16's face; the real is "id0_0000".
    m = re.match(r"(id\d+)_(?:id\d+_)?(\d+)$", stem)
    return f"celebdf:{m.group(1)}" if m else f"celebdf:{stem}"


def _load_dfdc(root: Path) -> list[Clip]:
    clips = []
    for meta_path in sorted([root / "metadata.json", *root.glob("*/metadata.json")]):
        if not meta_path.is_file():
            continue
        meta = json.loads(meta_path.read_text())
        for name, info in meta.items():
            label = "fake" if str(info.get("label", "")).upper() == "FAKE" else "real"
            original = info.get("original") or name
            path = meta_path.parent / name
            clips.append(Clip(str(path.resolve()), label, f"dfdc:{Path(original).stem}", "dfdc" if label == "fake" else "original"))
    return clips


def _videos(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file())


_LOADERS = {
    "manifest": _load_manifest,
    "folders": _load_folders,
    "ffpp": _load_ffpp,
    "celebdf": _load_celebdf,
    "dfdc": _load_dfdc,
}
