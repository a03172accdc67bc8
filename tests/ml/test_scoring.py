"""Scoring tracks in batches: a track's scores do not depend on what it was batched with."""

import threading

import numpy as np
import pytest
import torch

from ml.media.faces import Face, Track
from ml.serving.microbatch import BatchedClassifier
from ml.serving.scoring import EncodedTrack, classify_tracks, score_tracks
from tests.concurrency import call_together


def _encoded(track_id: int, faces: int, seed: int, feature_dim: int) -> EncodedTrack:
    generator = torch.Generator().manual_seed(seed)
    crops = np.zeros((faces, 112, 112, 3), np.uint8)
    track = Track(track_id, [Face(i, i, i / 25, (0, 0, 50, 50), 0.99, crops[i]) for i in range(faces)])
    return EncodedTrack(track, torch.randn(faces, feature_dim, generator=generator))


def _alone(encoded: EncodedTrack, detector):
    return classify_tracks([[encoded]], detector)[0][0]


def test_tracks_of_several_videos_scored_together_get_what_each_gets_alone(small_detector):
    dim = small_detector.config.feature_dim
    # 45 faces: two interleaved sequences (23 and 22 long); 20: one; 5: one short one; 20 again in
    # another video, so sequences of one length from two videos share an LSTM call.
    first = [_encoded(0, 45, 1, dim), _encoded(1, 20, 2, dim)]
    second = [_encoded(0, 5, 3, dim), _encoded(1, 20, 4, dim)]
    together = classify_tracks([first, second], small_detector)
    assert [len(v) for v in together] == [2, 2]
    for got, encoded in zip([*together[0], *together[1]], [*first, *second]):
        alone = _alone(encoded, small_detector)
        assert got.track is encoded.track
        assert got.fake_probability == pytest.approx(alone.fake_probability, abs=1e-5)
        assert got.step_probabilities == pytest.approx(alone.step_probabilities, abs=1e-5)
        assert len(got.step_probabilities) == len(encoded.track.faces)


def test_a_long_track_is_read_as_interleaved_sequences_whose_scores_are_averaged(small_detector):
    encoded = _encoded(0, 45, 5, small_detector.config.feature_dim)
    scored = _alone(encoded, small_detector)
    with torch.inference_mode():
        sequences = [encoded.features[list(range(c, 45, 2))].unsqueeze(0) for c in (0, 1)]
        probs = [torch.softmax(small_detector.model.classify_features(s).logits, -1)[0, 1].item() for s in sequences]
    assert scored.fake_probability == pytest.approx(np.mean(probs), abs=1e-6)


def test_no_tracks_no_scores(small_detector):
    assert classify_tracks([[], []], small_detector) == [[], []]
    assert score_tracks([], small_detector) == []


def test_videos_classified_from_several_threads_share_lstm_calls_and_get_what_each_gets_alone(small_detector):
    dim = small_detector.config.feature_dim
    videos = [[_encoded(0, 20, 10 + v, dim), _encoded(1, 45, 20 + v, dim)] for v in range(6)]
    classifier = BatchedClassifier(small_detector)
    gate = threading.Event()
    run = classifier.batcher._run

    def held(items, key):  # hold the first LSTM call so the other threads' videos queue behind it
        gate.wait(2)
        return run(items, key)

    classifier.batcher._run = held
    got = call_together({v: lambda v=v: classifier([videos[v]]) for v in range(6)}, gate)
    classifier.batcher.close()
    assert classifier.batcher.batches < len(videos)  # merged
    for v, tracks in enumerate(videos):
        [scored] = got[v]
        for s, encoded in zip(scored, tracks):
            alone = _alone(encoded, small_detector)
            assert s.track is encoded.track
            assert s.fake_probability == pytest.approx(alone.fake_probability, abs=1e-5)
            assert s.step_probabilities == pytest.approx(alone.step_probabilities, abs=1e-5)
