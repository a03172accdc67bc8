"""`--num-workers N`: each DataLoader worker is a fork of the main process, whose random generators never
advance, so until each worker reseeded its copy every worker of every epoch repeated the same draws."""

from types import SimpleNamespace

import numpy as np
import torch
from torch.utils.data import DataLoader

from ml.model.presets import train_preset
from ml.training.self_blend import FaceRegion
from ml.training.sequences import CropSequences, reseed_worker


def same_videos(n=4, frames=4, side=48):
    """Videos with identical crops, as many as a sequence takes (so every sequence uses all of them, in
    order): any difference between two sequences is the preset's jitter."""
    crops = np.random.default_rng(0).integers(0, 256, (frames, side, side, 3), dtype=np.uint8)
    return [SimpleNamespace(clip=SimpleNamespace(target=i % 2), main_crops=crops) for i in range(n)]


def epochs(seed, workers=2, count=2):
    dataset = CropSequences(same_videos(), 4, train_preset(32, rng=np.random.default_rng(seed)), train=True,
                            seed=seed)
    loader = DataLoader(dataset, batch_size=1, shuffle=False, num_workers=workers,
                        generator=torch.Generator().manual_seed(seed), worker_init_fn=reseed_worker)
    return [[x for x, _ in loader] for _ in range(count)]


def test_each_worker_and_each_epoch_draws_its_own_jitter():
    first, second = epochs(seed=3)
    # Videos 0 and 1 are the first items of workers 0 and 1: the same crops, so only the draws differ.
    assert not torch.equal(first[0], first[1])
    # The same video the next epoch: another crop, flip, brightness and frames.
    assert all(not torch.equal(a, b) for a, b in zip(first, second))


def test_a_preset_restarts_its_draws_from_a_seed():
    crops = list(same_videos()[0].main_crops)
    preset = train_preset(32, rng=np.random.default_rng(0))
    preset.reseed(7)
    a = preset(crops)
    preset.reseed(7)
    assert torch.equal(preset(crops), a)
    preset.reseed(8)
    assert not torch.equal(preset(crops), a)


def test_self_blended_sequences_differ_between_workers_too():
    videos = same_videos()
    for v in videos:  # the face fills the crop
        v.main_regions = lambda: [FaceRegion((8.0, 8.0, 40.0, 40.0))] * 4
    dataset = CropSequences(videos, 4, train_preset(32, rng=np.random.default_rng(1)), train=True, seed=1,
                            self_blend_rate=1.0)
    loader = DataLoader(dataset, batch_size=1, shuffle=False, num_workers=2,
                        generator=torch.Generator().manual_seed(1), worker_init_fn=reseed_worker)
    fakes = [x for x, y in loader if y.item() == 1]  # videos 1 and 3, one in each worker: both self-blended
    assert len(fakes) == 2 and not torch.equal(fakes[0], fakes[1])


def test_workers_stay_reproducible_for_a_seed():
    a, b = epochs(seed=5), epochs(seed=5)
    assert all(torch.equal(x, y) for ea, eb in zip(a, b) for x, y in zip(ea, eb))
    c = epochs(seed=6)
    assert not any(torch.equal(x, y) for x, y in zip(a[0], c[0]))


def test_the_training_loader_reseeds_its_workers():
    from ml.model.backbones import IMAGENET_MEAN, IMAGENET_STD
    from ml.training.loop import _train_loader
    from ml.training.recipes import recipe_from

    preprocessing = {"image_size": 32, "mean": IMAGENET_MEAN, "std": IMAGENET_STD}
    recipe = recipe_from("finetune", frames=4, batch_size=2)
    assert _train_loader(same_videos(), recipe, preprocessing, 0, num_workers=2).worker_init_fn is reseed_worker
    assert _train_loader(same_videos(), recipe, preprocessing, 0, num_workers=0).worker_init_fn is None
