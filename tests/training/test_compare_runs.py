"""compare_runs: two runs' held-out scores compared on the same videos, paired."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ml.training import compare, metrics


def write_scores(path, root, rows):
    """An oof_scores.csv as train_model writes it: rows of (name, label, method, p_fake)."""
    lines = ["file,label,group,method,compression,p_fake"]
    lines += [f"{root}/{name},{label},g{n},{method},c23,{p:.6f}" for n, (name, label, method, p) in enumerate(rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


REALS = [(f"original/{n}.mp4", "real", "original", p) for n, p in enumerate([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])]
FAKES_A = [(f"fake/df{n}.mp4", "fake", "Deepfakes", p) for n, p in enumerate([0.35, 0.45, 0.55, 0.7])]
FAKES_B = [(f"fake/df{n}.mp4", "fake", "Deepfakes", p) for n, p in enumerate([0.65, 0.75, 0.85, 0.95])]
NT_BOTH = [(f"fake/nt{n}.mp4", "fake", "NeuralTextures", p) for n, p in enumerate([0.15, 0.25])]


@pytest.fixture
def runs(tmp_path):
    """Two runs of the same videos from different data folders: B ranks every Deepfakes fake above every real."""
    a = write_scores(tmp_path / "a" / "oof_scores.csv", "/data/here/ffpp", REALS + FAKES_A + NT_BOTH)
    b = write_scores(tmp_path / "b" / "oof_scores.csv", "/elsewhere/ffpp", REALS + FAKES_B + NT_BOTH)
    return a.parent, b.parent


def test_the_runs_are_matched_by_path_below_their_data_root_and_compared_paired(runs):
    result = compare.compare(*runs)
    assert result["videos"] == 12 and result["only_a"] == result["only_b"] == 0
    deepfakes = result["per_method"]["Deepfakes"]
    # A: 0.35 beats 3 reals, 0.45 beats 4, 0.55 beats 5, 0.7 beats 6: 18 of 24 pairs. B: all 24.
    assert deepfakes["auc_a"] == pytest.approx(18 / 24)
    assert deepfakes["auc_b"] == pytest.approx(1.0)
    assert deepfakes["difference"] == pytest.approx(6 / 24)
    assert result["per_method"]["NeuralTextures"]["difference"] == pytest.approx(0.0)
    assert result["pooled"]["difference"] == pytest.approx(result["pooled"]["auc_b"] - result["pooled"]["auc_a"])


def test_the_paired_interval_is_tighter_than_either_runs_own(runs):
    pooled = compare.compare(*runs)["pooled"]
    width = lambda ci: ci[1] - ci[0]  # noqa: E731
    assert width(pooled["difference_ci95"]) < min(width(pooled["auc_a_ci95"]), width(pooled["auc_b_ci95"]))


def test_a_run_compared_with_itself_differs_by_exactly_zero(runs):
    pooled = compare.compare(runs[0], runs[0])["pooled"]
    assert pooled["difference"] == 0.0 and tuple(pooled["difference_ci95"]) == (0.0, 0.0)


def test_videos_only_one_run_scored_are_counted_and_left_out(tmp_path):
    a = write_scores(tmp_path / "a.csv", "/d", REALS + FAKES_A)
    b = write_scores(tmp_path / "b.csv", "/d", REALS + FAKES_A + NT_BOTH)
    result = compare.compare(a, b)
    assert (result["videos"], result["only_a"], result["only_b"]) == (10, 0, 2)
    assert result["pooled"]["auc_a"] == pytest.approx(metrics.roc_auc([0] * 6 + [1] * 4, [r[3] for r in REALS + FAKES_A]))


def test_runs_that_disagree_on_a_label_or_share_no_video_are_refused(tmp_path):
    a = write_scores(tmp_path / "a.csv", "/d", REALS + FAKES_A)
    relabelled = write_scores(tmp_path / "b.csv", "/d", [(n, "fake", m, p) for n, _, m, p in REALS] + FAKES_A)
    with pytest.raises(compare.CompareError, match="label 6 shared videos differently"):
        compare.compare(a, relabelled)
    other = write_scores(tmp_path / "c.csv", "/d", [(n.replace(".mp4", ".avi"), lab, m, p) for n, lab, m, p in REALS + FAKES_A])
    with pytest.raises(compare.CompareError, match="no video in common"):
        compare.compare(a, other)


def test_the_command_prints_a_table_and_what_the_interval_says(runs):
    out = StringIO()
    call_command("compare_runs", str(runs[0]), str(runs[1]), stdout=out)
    text = out.getvalue()
    assert "12 videos scored by both runs" in text
    assert "pooled AUC" in text and "Deepfakes (4 fakes)" in text and "NeuralTextures (2 fakes)" in text
    assert text.strip().splitlines()[-1].startswith(("No difference", str(runs[1])))


def test_the_command_names_a_folder_without_scores_in_its_error(tmp_path):
    with pytest.raises(CommandError, match="holds no oof_scores.csv or test_scores.csv"):
        call_command("compare_runs", str(tmp_path), str(tmp_path), stdout=StringIO())
