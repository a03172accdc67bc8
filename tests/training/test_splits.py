"""The group-aware split: no group on both sides, stratified, seeded, saved with the model."""

import random

from ml.training.datasets import Clip
from ml.training.splits import group_split, load_split, save_split, split_record


def random_clips(rng: random.Random) -> list[Clip]:
    """Groups like FaceForensics++'s: a real alone, fakes of one source together, or a mix."""
    clips = []
    for g in range(rng.randint(2, 40)):
        for k in range(rng.randint(1, 8)):
            label = rng.choice(["real", "fake", "fake"])
            clips.append(Clip(f"/d/{g}_{k}.mp4", label, f"group{g}", "m" if label == "fake" else "original"))
    return clips


def test_no_group_ever_straddles_train_and_test():
    rng = random.Random(0)
    for trial in range(300):
        clips = random_clips(rng)
        train, test = group_split(clips, rng.uniform(0.1, 0.5), seed=trial)
        assert not {c.group for c in train} & {c.group for c in test}
        assert sorted(c.path for c in train + test) == sorted(c.path for c in clips)


def test_each_label_gets_close_to_the_test_fraction():
    clips = [Clip(f"/r{i}.mp4", "real", f"r{i}") for i in range(50)]
    clips += [Clip(f"/f{i}.mp4", "fake", f"f{i // 2}") for i in range(100)]
    train, test = group_split(clips, 0.3, seed=1)
    assert sum(c.label == "real" for c in test) == 15
    assert 28 <= sum(c.label == "fake" for c in test) <= 32


def test_the_same_seed_gives_the_same_split_and_another_seed_another():
    clips = random_clips(random.Random(5))
    assert group_split(clips, 0.3, seed=7) == group_split(clips, 0.3, seed=7)
    assert any(group_split(clips, 0.3, seed=7)[1] != group_split(clips, 0.3, seed=s)[1] for s in range(8, 12))


def test_a_saved_split_loads_back_to_the_same_sides(tmp_path):
    clips = random_clips(random.Random(2))
    train, test = group_split(clips, 0.3, seed=0)
    save_split(tmp_path / "split.json", split_record(train, test, seed=0, test_fraction=0.3))
    assert load_split(tmp_path / "split.json", clips) == (train, test)
