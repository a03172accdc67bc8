"""Calibrated probabilities: the expected calibration error on a known case, a temperature fitted where
the scores are overconfident, and the calibration travelling in the checkpoint to the served score
(a checkpoint without one serves exactly as before)."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from ml.media.faces import Face, Track
from ml.model.calibration import calibrate
from ml.model.checkpoint import (
    load_checkpoint,
    load_detector,
    random_detector,
    save_checkpoint,
)
from ml.model.network import ModelConfig
from ml.serving.scoring import score_tracks
from ml.training.calibration import fit_calibration
from ml.training.metrics import expected_calibration_error

TINY = ModelConfig(backbone="efficientnet_lite0", lstm_hidden=8)


def test_the_expected_calibration_error_of_a_known_case():
    # Bin 0.8-0.9 holds four videos scored 0.85, three of them fake: gap 0.1. Bin 0.1-0.2 holds four
    # scored 0.15, none fake: gap 0.15. ECE = (4 * 0.1 + 4 * 0.15) / 8.
    labels = [1, 1, 1, 0, 0, 0, 0, 0]
    scores = [0.85] * 4 + [0.15] * 4
    assert expected_calibration_error(labels, scores) == pytest.approx(0.125)
    assert expected_calibration_error([1, 0], [1.0, 0.0]) == 0.0


def test_a_temperature_fitted_on_overconfident_scores_softens_them_and_lowers_the_error():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 2, 4000)
    labels = rng.random(4000) < 1 / (1 + np.exp(-z))  # the true probability is sigmoid(z)
    overconfident = 1 / (1 + np.exp(-3 * z))  # the model says sigmoid(3z)
    fitted = fit_calibration(labels, overconfident, "temperature")
    assert fitted["method"] == "temperature" and fitted["T"] == pytest.approx(3.0, rel=0.1)
    after = calibrate(overconfident, fitted)
    assert expected_calibration_error(labels, after) < expected_calibration_error(labels, overconfident) / 2
    assert fit_calibration(labels, overconfident, "none") is None
    platt = fit_calibration(labels, overconfident, "platt")
    assert platt["a"] == pytest.approx(1 / 3, rel=0.1) and abs(platt["b"]) < 0.1


def track(seed=0, faces=6, mirror_symmetric=False):
    rng = np.random.default_rng(seed)
    crops = rng.integers(0, 255, (faces, 64, 64, 3), dtype=np.uint8)
    if mirror_symmetric:
        crops = np.concatenate([crops[:, :, :32], crops[:, :, :32][:, :, ::-1]], axis=2)
    return Track(0, [Face(i, i, i / 10, (0, 0, 64, 64), 1.0, c) for i, c in enumerate(crops)])


def saved(path, calibration=None, preprocessing=None):
    d = random_detector(TINY)
    return save_checkpoint(path, d.model, d.config, preprocessing={**d.preprocessing, **(preprocessing or {})},
                           metrics={}, provenance={}, threshold=0.5, uncertain_band=0.1, calibration=calibration)


def test_the_calibration_round_trips_through_the_checkpoint_to_the_served_probability(tmp_path):
    calibration = {"method": "temperature", "T": 2.5}
    plain = load_detector(saved(tmp_path / "plain.pt"), "cpu")
    calibrated = load_detector(saved(tmp_path / "cal.pt", calibration), "cpu")
    assert load_checkpoint(tmp_path / "cal.pt")["calibration"] == calibration
    assert calibrated.calibration == calibration
    raw, served = score_tracks([track()], plain)[0], score_tracks([track()], calibrated)[0]
    assert served.fake_probability == pytest.approx(calibrate(raw.fake_probability, calibration), abs=1e-6)
    assert served.step_probabilities == pytest.approx(calibrate(np.array(raw.step_probabilities), calibration), abs=1e-6)


def test_a_checkpoint_without_calibration_serves_exactly_as_before(tmp_path):
    ckpt = load_checkpoint(saved(tmp_path / "old.pt"))
    assert "calibration" not in ckpt
    detector = load_detector(tmp_path / "old.pt", "cpu")
    assert detector.calibration is None
    reference = random_detector(TINY)
    reference.model.load_state_dict(ckpt["state_dict"])
    assert score_tracks([track()], detector)[0].fake_probability == score_tracks([track()], reference)[0].fake_probability
    assert calibrate(0.3, None) == 0.3


def test_test_time_flip_averages_in_the_mirrored_crops(tmp_path):
    plain = load_detector(saved(tmp_path / "plain.pt"), "cpu")
    flipped = load_detector(saved(tmp_path / "flip.pt", preprocessing={"tta_flip": True}), "cpu")
    symmetric = track(mirror_symmetric=True)
    assert score_tracks([symmetric], flipped)[0].fake_probability == pytest.approx(
        score_tracks([symmetric], plain)[0].fake_probability, abs=1e-6)  # a mirror-symmetric face: no change
    assert score_tracks([track()], flipped)[0].fake_probability != score_tracks([track()], plain)[0].fake_probability


def test_one_pass_scores_a_model_both_ways_as_two_separate_scorings_do(tmp_path):
    from types import SimpleNamespace

    from ml.training.evaluate import score_held_out, score_videos

    detector = load_detector(saved(tmp_path / "cal.pt", {"method": "temperature", "T": 2.0}), "cpu")
    videos = [SimpleNamespace(tracks=lambda s=s: [track(s), track(s + 10, faces=9)],
                              cache_sampling=lambda: (None, 32, "spread")) for s in range(3)]
    scores = score_held_out(detector, videos, served_frames=20, flip=False)
    assert scores.without == pytest.approx(score_videos(detector, videos, flip=False), abs=1e-6)
    assert scores.with_flip == pytest.approx(score_videos(detector, videos, flip=True), abs=1e-6)
    assert not np.allclose(scores.without, scores.with_flip)
    assert np.isnan(scores.served).all()  # frame count unknown: where an upload's frames lie is too


def _video_of_300_frames():
    """A 300-frame video as the cache holds it: a face on each of its 32 sampled frames (frame_indices), and
    another glimpsed on the first 3 of them."""
    from ml.media.video import frame_indices

    grid = frame_indices(300, 32)
    whole = Track(0, [replace(f, frame_index=i) for f, i in zip(track(1, faces=32).faces, grid)])
    glimpse = Track(1, [replace(f, crop=f.crop[::-1].copy()) for f in whole.faces[:3]])
    return grid, whole, glimpse


def test_an_upload_of_20_frames_keeps_the_cached_frames_nearest_its_own_and_the_tracks_that_count():
    from ml.media.video import frame_indices
    from ml.serving.scoring import EncodedTrack
    from ml.training.evaluate import served_subset

    grid, whole, glimpse = _video_of_300_frames()
    encoded = [EncodedTrack(t, torch.arange(len(t.faces), dtype=torch.float32)[:, None]) for t in (whole, glimpse)]
    upload = frame_indices(300, 20)  # 7, 22, 37, ...: none of them a cached frame
    nearest = [min(grid, key=lambda c: abs(c - u)) for u in upload]
    kept = served_subset(encoded, 20, 300, 32, "spread")
    assert [e.track.id for e in kept] == [0]  # the glimpse is on 2 of the 20 frames: serving needs 4
    assert [f.frame_index for f in kept[0].track.faces] == nearest and len(set(nearest)) == 20
    assert kept[0].features[:, 0].tolist() == [float(grid.index(i)) for i in nearest]  # each face's own features


def test_a_cache_that_cannot_stand_for_an_upload_is_not_measured():
    from ml.serving.scoring import EncodedTrack
    from ml.training.evaluate import served_subset

    grid, whole, glimpse = _video_of_300_frames()
    encoded = [EncodedTrack(t, torch.zeros(len(t.faces), 1)) for t in (whole, glimpse)]
    assert served_subset(encoded, 20, None, 32, "spread") is None  # frame count unknown
    assert served_subset(encoded, 20, 300, 32, "first") is None  # the cache's first 32 frames
    assert served_subset(encoded, 20, 300, 16, "spread") is None  # no more frames than an upload's
    assert served_subset(encoded, 20, 310, 32, "spread") is None  # faces off the grid: the count changed
    off_upload = [EncodedTrack(Track(0, [whole.faces[1]]), torch.zeros(1, 1))]  # frame 14: no upload frame's nearest
    assert served_subset(off_upload, 20, 300, 32, "spread") is None


def test_the_served_score_is_what_an_upload_sampled_at_20_frames_would_get(tmp_path):
    from types import SimpleNamespace

    from ml.serving.scoring import encode_tracks
    from ml.training.evaluate import score_held_out, served_subset

    detector = load_detector(saved(tmp_path / "plain.pt", preprocessing={"frames": 16}), "cpu")
    _, whole, glimpse = _video_of_300_frames()
    video = SimpleNamespace(tracks=lambda: [whole, glimpse], cache_sampling=lambda: (300, 32, "spread"))
    for flip in (False, True):
        upload = replace(detector, preprocessing={**detector.preprocessing, "tta_flip": flip})
        served = score_held_out(detector, [video], served_frames=20, flip=flip).served[0]
        faces = served_subset(encode_tracks([whole], upload), 20, 300, 32, "spread")[0].track
        assert len(faces.faces) == 20
        assert served == pytest.approx(score_tracks([faces], upload)[0].fake_probability, abs=1e-6)
        assert served != pytest.approx(score_tracks([whole], upload)[0].fake_probability, abs=1e-4)


def test_a_model_that_scores_nan_stops_the_measurement_and_names_the_video(tmp_path):
    # Before, max() over the tracks kept or dropped a NaN by their order, and the run reported an AUC.
    from types import SimpleNamespace

    from ml.errors import InvalidScore
    from ml.training.evaluate import score_held_out, score_videos

    detector = load_detector(saved(tmp_path / "plain.pt"), "cpu")
    with torch.no_grad():
        for p in detector.model.fc.parameters():
            p.fill_(float("nan"))
    video = SimpleNamespace(tracks=lambda: [track(0), track(10)], cache_sampling=lambda: (None, 32, "spread"),
                            clip=SimpleNamespace(path="/data/fakes/clip_017.mp4"))
    with pytest.raises(InvalidScore, match="clip_017.mp4: the model scored it NaN"):
        score_videos(detector, [video])
    with pytest.raises(InvalidScore, match="clip_017.mp4"):
        score_held_out(detector, [video], served_frames=20, flip=False)


def _scores_of_20_groups(seed=0):
    """160 videos in 20 identity groups whose logits carry their label, and the same videos' scores
    shifted by two logits (as if served from fewer frames and consistently more suspicious)."""
    rng = np.random.default_rng(seed)
    y = np.tile([0, 1, 1, 1], 40)
    z = np.where(y == 1, 1.0, -1.0) + rng.normal(0, 1.2, len(y))
    groups = [f"g{n // 4 % 20}" for n in range(len(y))]  # a real and three fakes in each of 40 blocks
    return y, 1 / (1 + np.exp(-z)), 1 / (1 + np.exp(-(z + 2.0))), groups


def test_a_map_refitted_on_shifted_served_scores_calibrates_them_better_on_people_it_was_not_fitted_on():
    from ml.training.calibration import cross_fitted_ece

    y, cached, served, groups = _scores_of_20_groups()
    refit = cross_fitted_ece(y, {"cached": cached, "served": served}, served, groups, "platt", seed=3)
    ece = refit["ece"]
    assert ece["served"]["median"] < ece["cached"]["median"] - 0.1
    assert refit["halves"] == "identity groups" and refit["measurements"] == 40  # 20 halvings, both ways
    assert len(ece["cached"]["values"]) == 40
    assert refit == cross_fitted_ece(y, {"cached": cached, "served": served}, served, groups, "platt", seed=3)


def test_refitting_on_the_same_scores_changes_nothing():
    from ml.training.calibration import cross_fitted_ece

    y, cached, _, groups = _scores_of_20_groups()
    ece = cross_fitted_ece(y, {"a": cached, "b": cached}, cached, groups, "temperature")["ece"]
    assert ece["a"] == ece["b"]


def test_a_half_of_one_class_fits_no_map_and_is_left_out_rather_than_counted_as_no_change():
    from ml.training.calibration import cross_fitted_ece

    y, cached, served, _ = _scores_of_20_groups()
    # Four groups, halved two and two: only the half with "reals" holds both classes, so each halving
    # gives one measurement (fitted there, measured on the other half's fakes), not two.
    groups = ["reals" if t == 0 else f"fakes{n % 3}" for n, t in enumerate(y)]
    refit = cross_fitted_ece(y, {"cached": cached, "served": served}, served, groups, "platt", halvings=6)
    assert refit["measurements"] == 6 and len(refit["ece"]["served"]["values"]) == 6


def test_one_group_is_halved_by_video_and_the_report_says_so():
    from ml.training.calibration import cross_fitted_ece

    y, cached, served, _ = _scores_of_20_groups()
    refit = cross_fitted_ece(y, {"cached": cached}, served, ["one"] * len(y), "platt", halvings=3)
    assert refit["halves"] == "videos" and refit["measurements"] == 6


def test_a_track_scored_nan_beside_a_finite_one_is_refused_whichever_comes_first():
    # max() keeps the NaN when it comes first and drops it when it comes second: both now raise.
    from types import SimpleNamespace

    from ml.errors import InvalidScore
    from ml.training.evaluate import _video_p

    video = SimpleNamespace(clip=SimpleNamespace(path="/data/clip_018.mp4"))
    finite, broken = (SimpleNamespace(track=SimpleNamespace(id=k), fake_probability=p)
                      for k, p in ((0, 0.3), (1, float("nan"))))
    for order in ([finite, broken], [broken, finite]):
        with pytest.raises(InvalidScore, match="clip_018.mp4"):
            _video_p(order, video)
    assert _video_p([finite], video) == 0.3
