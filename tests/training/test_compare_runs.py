"""compare_runs: two runs' held-out scores compared on the same videos, paired."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ml.training import compare, metrics


def write_scores(path, root, rows, dataset=None):
    """An oof_scores.csv as train_model wrote it before runs named their dataset (or, given `dataset`, as
    it writes it now): rows of (name, label, method, p_fake), each video its own group."""
    header = "file,label,group,method,compression" + (",dataset" if dataset else "") + ",p_fake"
    lines = [header] + [f"{root}/{name},{label},g{n:03d},{method},c23" + (f",{dataset}" if dataset else "") + f",{p:.6f}"
                        for n, (name, label, method, p) in enumerate(rows)]
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
    assert "12 videos of 12 identity groups scored by both runs" in text
    assert "pooled AUC" in text and "Deepfakes (4 fakes)" in text and "NeuralTextures (2 fakes)" in text
    assert text.strip().splitlines()[-1].startswith(("No difference", str(runs[1])))


def test_the_command_names_a_folder_without_scores_in_its_error(tmp_path):
    with pytest.raises(CommandError, match="holds no oof_scores.csv or test_scores.csv"):
        call_command("compare_runs", str(tmp_path), str(tmp_path), stdout=StringIO())


def test_a_run_on_two_datasets_compares_with_a_run_on_one_and_same_named_files_stay_apart(tmp_path):
    """Each dataset is matched below its own folder: the run on FF++ and Celeb-DF shares the Celeb-DF
    videos with the Celeb-DF-only run, though both datasets name their files alike."""
    both = tmp_path / "both.csv"
    write_scores(both, "/data/ffpp", REALS + FAKES_A, dataset="ffpp")
    celeb_rows = (write_scores(tmp_path / "x.csv", "/data/celeb", REALS + FAKES_B, dataset="celeb")
                  .read_text().splitlines()[1:])
    both.write_text(both.read_text() + "\n".join(celeb_rows) + "\n")
    celeb_only = write_scores(tmp_path / "celeb.csv", "/mnt/elsewhere/celeb", REALS + FAKES_B, dataset="celeb")
    result = compare.compare(both, celeb_only)
    assert (result["videos"], result["only_a"], result["only_b"]) == (10, 10, 0)
    assert result["pooled"]["difference"] == 0.0  # the Celeb-DF videos, not FF++'s namesakes


def test_a_video_with_no_score_a_strange_label_or_a_missing_column_is_refused(tmp_path):
    good = write_scores(tmp_path / "good.csv", "/d", REALS + FAKES_A)
    nan = write_scores(tmp_path / "nan.csv", "/d", REALS + FAKES_A)
    nan.write_text(nan.read_text().replace("0.700000", "nan"))
    with pytest.raises(compare.CompareError, match=r"line 11: the score of /d/fake/df3.mp4 is not a probability"):
        compare.compare(good, nan)
    odd = write_scores(tmp_path / "odd.csv", "/d", [("x.mp4", "maybe", "m", 0.5)] + REALS)
    with pytest.raises(compare.CompareError, match="label 'maybe' is neither real nor fake"):
        compare.compare(good, odd)
    bare = tmp_path / "bare.csv"
    bare.write_text("file,p_fake\n/d/x.mp4,0.5\n")
    with pytest.raises(compare.CompareError, match="has no label, group, method column"):
        compare.compare(good, bare)


def test_scores_written_by_training_read_back_with_a_comma_in_a_path(tmp_path):
    from types import SimpleNamespace

    from ml.training.datasets import Clip
    from ml.training.outputs import write_scores as write_run_scores

    clips = [Clip("/d/a, b/real.mp4", "real", "g1", "original", "c23", "ffpp"),
             Clip("/d/a, b/fake.mp4", "fake", "g1", "Deepfakes", "c23", "ffpp")]
    write_run_scores(tmp_path / "oof_scores.csv", [SimpleNamespace(clip=c) for c in clips], [0.25, 0.75])
    rows = compare.read_rows(tmp_path)
    assert [(r["file"], r["dataset"], r["p_fake"]) for r in rows] == [("/d/a, b/real.mp4", "ffpp", 0.25),
                                                                       ("/d/a, b/fake.mp4", "ffpp", 0.75)]
