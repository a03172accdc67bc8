"""Published models: a folder per model (model.pt, card.json, model.pt.sha256, plots/), kept outside
git (../shared/models/ here, a release asset elsewhere). `publish` writes one from a training run;
`newest` finds the one `make run` installs.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

from ml.model.checkpoint import file_sha256

CHECKPOINT, CARD, DIGEST = "model.pt", "card.json", "model.pt.sha256"


def published_models(root: str | os.PathLike) -> list[Path]:
    """Folders under `root` holding a checkpoint, oldest first (by the card's published_at, else mtime)."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = [d for d in root.iterdir() if (d / CHECKPOINT).is_file()]
    return sorted(found, key=_published_at)


def newest(root: str | os.PathLike) -> Path | None:
    models = published_models(root)
    return models[-1] if models else None


def expected_sha256(folder: Path) -> str | None:
    digest = folder / DIGEST
    return digest.read_text().split()[0].strip().lower() if digest.is_file() else None


def publish(run_dir: str | os.PathLike, to: str | os.PathLike, name: str) -> Path:
    """Copy a run's model.pt, card.json and plots into `to/name`, with the checkpoint's sha256 and
    the time of publishing in the card."""
    run_dir, target = Path(run_dir), Path(to) / name
    if target.exists():
        raise FileExistsError(f"{target} exists already: publish under a new name.")
    if not (run_dir / CHECKPOINT).is_file():
        raise FileNotFoundError(f"{run_dir} holds no {CHECKPOINT}: train one first (train_model --cv 5 --final).")
    target.mkdir(parents=True)
    shutil.copy(run_dir / CHECKPOINT, target / CHECKPOINT)  # mtime = publishing time, not training time
    card = json.loads((run_dir / CARD).read_text()) if (run_dir / CARD).is_file() else {}
    # Microseconds: two models published within a second must still have an order.
    card["published_at"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    (target / CARD).write_text(json.dumps(card, indent=1))
    if (run_dir / "plots").is_dir():
        shutil.copytree(run_dir / "plots", target / "plots")
    (target / DIGEST).write_text(f"{file_sha256(target / CHECKPOINT)}  {CHECKPOINT}\n")
    return target


def _published_at(folder: Path) -> tuple:
    try:
        stamp = json.loads((folder / CARD).read_text()).get("published_at", "")
    except (OSError, ValueError):
        stamp = ""
    return (stamp, (folder / CHECKPOINT).stat().st_mtime)
