"""`--augmentation strong`: per-sequence jitter of what differs between people and cameras (contrast,
saturation, white balance, grey, blur, a blanked patch), drawn once per sequence, reproducible for a
seed; the mild default is untouched; the run and its card say which one trained the model."""

import json

import numpy as np
import pytest
import torch

from ml.model import presets
from ml.model.checkpoint import load_checkpoint
from ml.model.presets import strong_jitter, train_preset
from ml.training import train
from ml.training.config import TrainConfig
from ml.training.recipes import recipe_from

from .conftest import TINY_TRAINING, config_from


def picture(side=96, seed=7):
    """A colour gradient with a little noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:side, 0:side]
    img = np.stack([x * 2, y * 2, (x + y)], -1) % 200 + 30 + rng.integers(0, 20, (side, side, 3))
    return img.astype(np.uint8)


def face_sequence(frames=4, side=96):
    """The same picture in every frame."""
    return [picture(side)] * frames


def test_the_same_seed_jitters_the_same_way_and_another_seed_differently():
    crops = face_sequence()
    a = train_preset(64, rng=np.random.default_rng(1), augmentation="strong")
    b = train_preset(64, rng=np.random.default_rng(1), augmentation="strong")
    c = train_preset(64, rng=np.random.default_rng(2), augmentation="strong")
    first = [a(crops) for _ in range(3)]
    assert all(torch.equal(x, y) for x, y in zip(first, [b(crops) for _ in range(3)]))
    assert not all(torch.equal(x, y) for x, y in zip(first, [c(crops) for _ in range(3)]))


def test_every_frame_of_a_sequence_gets_the_same_jitter():
    """A jitter that changed from frame to frame would be a flicker, the kind of artefact the LSTM learns.
    Two different pictures, the first repeated: its two frames must come out alike, and changed."""
    first, second = picture(seed=7), picture(seed=8)[::-1]
    x = torch.from_numpy(np.stack([first, second, first])).permute(0, 3, 1, 2).float()
    for seed in range(20):
        out = strong_jitter(x.clone(), np.random.default_rng(seed))
        assert torch.equal(out[0], out[2])
        assert not torch.allclose(out[0], x[0], atol=0.5)  # never the identity: contrast and saturation always move


# The mild preset's first four sequences for seed 5, as the code before the option made them (eb2ae98):
# their sums and one pixel's three channels.
MILD_BEFORE = [(7785.022692, [-0.568914, -0.98774, -0.485491]), (-6958.977606, [0.201483, -1.117298, -0.138271]),
               (7194.380565, [-0.362683, -1.018441, -0.330214]), (33769.605092, [0.102908, -0.567269, 0.106445])]


def test_mild_draws_exactly_what_it_always_did():
    """The default recipe's sequences are unchanged by the option's existence (its runs reproduce)."""
    crops = face_sequence()
    default = train_preset(64, rng=np.random.default_rng(5))
    mild = train_preset(64, rng=np.random.default_rng(5), augmentation="mild")
    strong = train_preset(64, rng=np.random.default_rng(5), augmentation="strong")
    outs = [(default(crops), mild(crops), strong(crops)) for _ in range(4)]
    for (d, m, _), (total, pixel) in zip(outs, MILD_BEFORE):
        assert torch.equal(d, m)
        assert float(d.double().sum()) == pytest.approx(total, rel=1e-6)
        assert d[0, :, 10, 20].tolist() == pytest.approx(pixel, abs=1e-5)
    assert not all(torch.equal(d, s) for d, _, s in outs)


def test_the_jitter_stays_within_pixel_range_and_keeps_the_picture():
    x = torch.from_numpy(np.stack(face_sequence())).permute(0, 3, 1, 2).float()
    original = x.clone()
    for seed in range(30):
        out = strong_jitter(x, np.random.default_rng(seed))
        assert torch.equal(x, original)  # the caller's tensor is left as it was
        assert out.shape == x.shape and out.min() >= 0 and out.max() <= 255
        # Still the same picture: its pixels correlate with the original's, whatever was drawn.
        assert np.corrcoef(out.flatten().numpy(), x.flatten().numpy())[0, 1] > 0.6


def test_an_unknown_augmentation_is_refused_in_a_sentence():
    with pytest.raises(ValueError, match="augmentation must be one of"):
        recipe_from("finetune", augmentation="heavy")
    with pytest.raises(ValueError, match="augmentation must be one of"):
        train_preset(64, augmentation="heavy")


def test_the_option_reaches_the_recipe():
    assert config_from("--data", "d", "--augmentation", "strong").recipe.augmentation == "strong"
    assert config_from("--data", "d").recipe.augmentation == "mild"


def test_a_run_with_strong_augmentation_jitters_its_sequences_and_says_so(tiny_dataset, tiny_cache, tmp_path,
                                                                       monkeypatch):
    calls = []

    def counted(x, rng):
        calls.append(x.shape)
        return strong_jitter(x, rng)

    monkeypatch.setattr(presets, "strong_jitter", counted)
    out = tmp_path / "run"
    result = train.main(["--data", str(tiny_dataset), "--output", str(out), "--cache-dir", str(tiny_cache),
                         *TINY_TRAINING, "--augmentation", "strong"])
    assert calls and all(shape[-1] == 64 for shape in calls)  # the training sequences, at the input size
    assert "strong augmentation" in (out / "train.log").read_text()
    assert json.loads((out / "card.json").read_text())["augmentation"] == "strong"
    stored = load_checkpoint(result["checkpoint"])["provenance"]["args"]
    assert TrainConfig.from_dict(stored).recipe.augmentation == "strong"  # a retrain from the checkpoint keeps it
