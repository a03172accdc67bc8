"""A tiny labelled dataset of generated clips, made once per session: astronaut clips are "real", the
same clips blurred and colour-shifted are "fake" (an artefact even a briefly trained model can see)."""

import csv
from pathlib import Path

import cv2
import pytest

from tests import media


def config_from(*argv):
    """The TrainConfig that `train_model ARGV` would run with (parsed as the command parses it)."""
    from ml.training import options, train

    return train.build_config(options.parse(list(argv), train.DESCRIPTION, train.add_arguments))


def make_fake_variant(src: Path, dst: Path) -> Path:
    """A copy of `src` blurred and shifted towards blue: a crude stand-in for a face swap's artefacts."""
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS) or 10
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        blurred = cv2.GaussianBlur(frame, (9, 9), 3)
        blurred[..., 0] = cv2.add(blurred[..., 0], 40)
        frames.append(blurred)
    cap.release()
    h, w = frames[0].shape[:2]
    return media._write(dst, frames, fps, (w, h), "mp4v")


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory):
    """A manifest dataset of 8 clips in 4 groups (a real and its fake share a group)."""
    root = tmp_path_factory.mktemp("tiny_dataset")
    rows = []
    for k in range(4):
        real = media.make_face_clip(root / "videos" / f"real_{k}.mp4", seconds=1.0, fps=8, size=(240 + 16 * k, 180))
        fake = make_fake_variant(real, root / "videos" / f"fake_{k}.mp4")
        c = "c23" if k % 2 else "c40"
        rows.append({"file": f"videos/real_{k}.mp4", "label": "real", "group": f"g{k}", "method": "original", "compression": c})
        rows.append({"file": f"videos/fake_{k}.mp4", "label": "fake", "group": f"g{k}", "method": "Blur" if k % 2 else "Tint", "compression": c})
    with open(root / "manifest.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root


# The default recipe (ImageNet EfficientNet-Lite0, fully fine-tuned), made tiny: small crops, short
# sequences, a small LSTM, two epochs.
TINY_TRAINING = ["--epochs", "2", "--frames", "4", "--extract-frames", "6", "--crop-size", "64", "--image-size", "64",
                 "--lstm-hidden", "16", "--batch-size", "2", "--lr", "1e-3", "--bootstrap", "50", "--quiet",
                 "--test-fraction", "0.5", "--val-fraction", "0.5"]


@pytest.fixture(scope="session")
def tiny_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("face_cache")


@pytest.fixture(scope="session")
def tiny_run(tiny_dataset, tiny_cache, tmp_path_factory):
    """Two epochs of the default recipe on the tiny dataset."""
    from ml.training import train

    out = tmp_path_factory.mktemp("runs") / "tiny"
    result = train.main(["--data", str(tiny_dataset), "--output", str(out), "--cache-dir", str(tiny_cache), *TINY_TRAINING])
    return result
