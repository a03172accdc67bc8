"""Cross-validation folds are made of whole identity groups: no person is on both sides of a fold."""

import csv
import random

import pytest

from ml.training.crossval import group_kfold
from ml.training.datasets import Clip
from tests.fixtures import SHARED_SAMPLE


def random_clips(rng, n_groups):
    clips = []
    for g in range(n_groups):
        for k in range(rng.randint(1, 25)):
            clips.append(Clip(f"/v/{g}_{k}.mp4", rng.choice(["real", "fake", "fake"]), f"g{g}"))
    return clips


@pytest.mark.parametrize("seed", range(200))
def test_folds_never_share_a_group_and_hold_every_clip_once(seed):
    rng = random.Random(seed)
    clips = random_clips(rng, rng.randint(5, 30))
    k = rng.randint(2, 5)
    folds = group_kfold(clips, k, seed)
    assert sorted(c.path for f in folds for c in f) == sorted(c.path for c in clips)
    groups = [{c.group for c in f} for f in folds]
    assert all(not (groups[a] & groups[b]) for a in range(k) for b in range(a + 1, k))


def test_too_few_groups_for_the_folds_is_a_clear_error():
    clips = [Clip("/a.mp4", "real", "g1"), Clip("/b.mp4", "fake", "g2")]
    with pytest.raises(ValueError, match="2 identity groups cannot fill 5 folds"):
        group_kfold(clips, 5)


@pytest.mark.skipif(not SHARED_SAMPLE.is_dir(), reason="../shared/data/ffpp-sample is not beside this checkout")
def test_five_folds_of_the_ffpp_sample_each_hold_real_and_fake_videos_of_unseen_people():
    with open(SHARED_SAMPLE / "manifest.csv") as f:
        clips = [Clip(r["file"], r["label"], r["group"]) for r in csv.DictReader(f)]
    folds = group_kfold(clips, 5, seed=0)
    assert sum(len(f) for f in folds) == 157
    for fold in folds:
        assert {c.label for c in fold} == {"real", "fake"}
