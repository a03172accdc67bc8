"""The shared FaceForensics++ sample reads as a manifest dataset and splits without leaking a group."""

import pytest

from ml.training.datasets import detect_layout, load_dataset
from ml.training.splits import group_split
from tests.fixtures import SHARED_SAMPLE

pytestmark = pytest.mark.skipif(not (SHARED_SAMPLE / "manifest.csv").is_file(),
                                reason=f"the shared sample is not at {SHARED_SAMPLE}")


def test_the_sample_is_a_manifest_with_methods_and_compressions():
    assert detect_layout(SHARED_SAMPLE) == "manifest"
    clips = load_dataset(SHARED_SAMPLE)
    # 157 clips since 2026-11-22, when the groups were made identity-closed (175 before, with leaky groups).
    assert len(clips) == 157 and sum(c.label == "real" for c in clips) == 40
    assert len({c.group for c in clips}) == 20
    assert {c.compression for c in clips} == {"c23", "c40"}
    assert "Deepfakes" in {c.method for c in clips}


def test_the_default_split_keeps_every_group_on_one_side_for_many_seeds():
    clips = load_dataset(SHARED_SAMPLE)
    for seed in range(20):
        train, test = group_split(clips, 0.3, seed)
        assert not {c.group for c in train} & {c.group for c in test}
        assert 0.2 < len(test) / len(clips) < 0.4
        assert any(c.label == "real" for c in test) and any(c.label == "fake" for c in test)
