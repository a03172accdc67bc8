"""Metrics against values worked out by hand."""

import math

import numpy as np
import pytest

from ml.training import metrics

# Reals score 0.1 and 0.4, fakes 0.35 and 0.8: of the 4 (fake, real) pairs, 3 are ordered right.
Y = [0, 0, 1, 1]
S = [0.1, 0.4, 0.35, 0.8]


def test_auc_is_the_share_of_correctly_ordered_pairs():
    assert metrics.roc_auc(Y, S) == pytest.approx(0.75)


def test_auc_counts_a_tie_as_half_a_pair():
    assert metrics.roc_auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    assert metrics.roc_auc([0, 0, 1], [0.2, 0.5, 0.5]) == pytest.approx(0.75)


def test_auc_is_nan_with_one_class():
    assert math.isnan(metrics.roc_auc([1, 1], [0.2, 0.3]))


def test_average_precision_sums_precision_at_each_recall_step():
    # Ranked: 0.8 fake (P=1, R=.5), 0.4 real, 0.35 fake (P=2/3, R=1): AP = .5*1 + .5*2/3.
    assert metrics.average_precision(Y, S) == pytest.approx(0.5 + 0.5 * 2 / 3)


def test_eer_is_where_missed_fakes_equal_false_alarms():
    rate, threshold = metrics.eer(Y, S)
    assert rate == pytest.approx(0.5)
    assert 0.35 < threshold <= 0.8


def test_eer_is_zero_for_a_perfect_ranking():
    assert metrics.eer([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])[0] == 0.0


def test_threshold_metrics_at_half():
    m = metrics.threshold_metrics(Y, S, 0.5)
    # Predicted fake: only 0.8. tp=1 fn=1 tn=2 fp=0.
    assert m["confusion"] == {"tp": 1, "fp": 0, "tn": 2, "fn": 1}
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["precision"] == pytest.approx(1.0)
    assert m["recall"] == pytest.approx(0.5)
    assert m["specificity"] == pytest.approx(1.0)
    assert m["balanced_accuracy"] == pytest.approx(0.75)
    assert m["f1"] == pytest.approx(2 / 3)


def test_youden_threshold_separates_a_separable_validation_set():
    t = metrics.choose_threshold([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.9])
    assert 0.3 < t <= 0.6
    assert metrics.threshold_metrics([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.9], t)["balanced_accuracy"] == 1.0


def test_threshold_falls_back_to_half_with_one_class():
    assert metrics.choose_threshold([1, 1], [0.2, 0.9]) == 0.5


def test_bootstrap_interval_contains_the_auc_and_is_repeatable():
    rng = np.random.default_rng(1)
    y = np.r_[np.zeros(40), np.ones(40)]
    s = np.r_[rng.normal(0.4, 0.15, 40), rng.normal(0.6, 0.15, 40)]
    low, high = metrics.bootstrap_auc_ci(y, s, n=300, seed=3)
    assert low < metrics.roc_auc(y, s) < high
    assert (low, high) == metrics.bootstrap_auc_ci(y, s, n=300, seed=3)


def test_roc_curve_runs_from_origin_to_corner():
    fpr, tpr, thr = metrics.roc_curve(Y, S)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0, 0, 1, 1)
    assert np.isinf(thr[0])


def test_uncertain_band_is_small_when_validation_is_separable():
    assert metrics.uncertain_band([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], 0.5) == pytest.approx(0.02)


def test_a_bootstrap_of_one_video_groups_is_the_video_bootstrap():
    rng = np.random.default_rng(5)
    y, s = rng.integers(0, 2, 60), rng.random(60)
    groups = [f"g{i}" for i in range(60)]  # sorted as text, g10 before g2: numbered as they come
    assert metrics.bootstrap_auc_ci(y, s, n=200, groups=groups) == metrics.bootstrap_auc_ci(y, s, n=200)


def test_resampling_whole_groups_widens_an_interval_that_copies_would_narrow():
    """Three copies of each video in one group: resampling videos treats the copies as independent
    evidence and narrows the interval; resampling the groups gives back the single copies' width."""
    rng = np.random.default_rng(6)
    y, s = rng.integers(0, 2, 40), rng.random(40) * 0.6 + rng.integers(0, 2, 40) * 0.2
    y3, s3, g3 = np.repeat(y, 3), np.repeat(s, 3), np.repeat(np.arange(40), 3)
    width = lambda ci: ci[1] - ci[0]  # noqa: E731
    single = width(metrics.bootstrap_auc_ci(y, s, n=400))
    by_video = width(metrics.bootstrap_auc_ci(y3, s3, n=400))
    by_group = width(metrics.bootstrap_auc_ci(y3, s3, n=400, groups=g3))
    assert by_video < 0.75 * single
    assert by_group == pytest.approx(single, rel=0.25)


def test_enough_groups_are_resampled_and_too_few_give_way_to_videos():
    twenty = [f"person{i % 20}" for i in range(60)]
    assert metrics.resampling_unit(twenty) == (twenty, "20 identity groups")
    six = [f"person{i % 6}" for i in range(60)]
    assert metrics.resampling_unit(six) == (None, "videos (6 identity groups are too few)")
    assert metrics.resampling_unit(None) == (None, "videos")
    report = metrics.classification_report([0, 1] * 30, np.linspace(0, 1, 60), 0.5, bootstrap=50, groups=six)
    assert report["auc_ci95_resamples"] == "videos (6 identity groups are too few)"
    assert metrics.classification_report([0, 1], [0.2, 0.8], 0.5, bootstrap=0)["auc_ci95_resamples"] is None


def test_group_labels_must_match_the_videos_one_for_one():
    with pytest.raises(ValueError, match="3 group labels for 4 videos"):
        metrics.bootstrap_auc_ci([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8], n=10, groups=["a", "b", "c"])
    assert all(math.isnan(v) for v in metrics.bootstrap_auc_ci([], [], n=10, groups=[]))


def test_the_auc_within_groups_counts_only_pairs_of_the_same_people():
    # Each group's fake scores above its own real, but group b sits higher than group a throughout:
    # the pooled AUC pays for the level, the within-group one does not.
    labels = [0, 1, 0, 1]
    scores = [0.1, 0.5, 0.6, 0.9]
    groups = ["a", "a", "b", "b"]
    assert metrics.roc_auc(labels, scores) == 0.75
    assert metrics.within_group_auc(labels, scores, groups) == (1.0, 2)
    auc, pairs = metrics.within_group_auc([0, 1], [0.2, 0.3], ["a", "b"])
    assert np.isnan(auc) and pairs == 0


def test_the_auc_within_groups_weighs_each_group_by_its_pairs_and_counts_a_tie_as_half():
    # Group a: one real, three fakes above it (3 pairs right); group b: its one fake below its real
    # (1 pair wrong). A mean over groups would say 0.5; over pairs it is 3 of 4.
    labels = [0, 1, 1, 1, 0, 1]
    groups = ["a", "a", "a", "a", "b", "b"]
    assert metrics.within_group_auc(labels, [0.1, 0.2, 0.3, 0.4, 0.9, 0.8], groups) == (0.75, 4)
    assert metrics.within_group_auc([0, 1], [0.5, 0.5], ["a", "a"]) == (0.5, 1)
    with pytest.raises(ValueError, match="1 group labels for 2 videos"):
        metrics.within_group_auc([0, 1], [0.2, 0.3], ["a"])
