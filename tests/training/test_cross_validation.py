"""train_model --cv K --final: out-of-fold scores for every video, a threshold chosen on them, and a
model trained on every video that installs and analyses a clip."""

import json
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from detector.models import ModelVersion
from ml.model.checkpoint import load_detector
from ml.results import AnalyzeOptions
from ml.serving.pipeline import analyze
from ml.training import crossval

from .conftest import TINY_TRAINING

CV = [a for a in TINY_TRAINING if a not in ("--test-fraction", "0.5", "--val-fraction")]


@pytest.fixture(scope="module")
def cv_run(tiny_dataset, tiny_cache, tmp_path_factory, django_db_setup, django_db_blocker):
    out = tmp_path_factory.mktemp("cv") / "cv2"
    text = StringIO()
    with django_db_blocker.unblock():
        call_command("train_model", "--data", str(tiny_dataset), "--cache-dir", str(tiny_cache), "--output", str(out),
                     "--cv", "2", "--final", *CV, "--activate", "--name", "tiny-cv", stdout=text)
        version = ModelVersion.objects.get(name="tiny-cv")
        yield {"out": out, "stdout": text.getvalue(), "version": version}
        version.delete()


def test_every_video_gets_one_out_of_fold_score(cv_run):
    rows = (cv_run["out"] / "oof_scores.csv").read_text().strip().splitlines()[1:]
    assert len(rows) == 8 and all(0.0 <= float(r.rsplit(",", 1)[1]) <= 1.0 for r in rows)


def test_the_report_gives_auc_per_fold_mean_sd_and_per_method(cv_run):
    cv = json.loads((cv_run["out"] / "cv.json").read_text())["cv"]
    assert len(cv["folds"]) == 2 and cv["videos"] == 8
    assert cv["auc_sd"] is not None and "2-fold group cross-validation" in cv["protocol"]
    assert {"Blur", "Tint", "original"} <= set(cv["per_method"])
    assert "Cross-validated AUC" in cv_run["stdout"] and "over 2 folds" in cv_run["stdout"]


def test_each_fold_says_where_its_model_puts_its_reals_and_fakes(cv_run):
    folds = json.loads((cv_run["out"] / "cv.json").read_text())["cv"]["folds"]
    for fold in folds:
        assert 0.0 <= fold["median_p_real"] <= 1.0 and 0.0 <= fold["median_p_fake"] <= 1.0
    log = (cv_run["out"] / "train.log").read_text()
    assert f"median P(fake) of its reals {folds[0]['median_p_real']:.2f}, of its fakes" in log


def test_a_fold_without_reals_reports_no_level_for_them_rather_than_failing():
    levels = crossval._score_levels(np.array([1, 1]), np.array([0.2, 0.6]))
    assert levels == {"median_p_real": None, "median_p_fake": pytest.approx(0.4)}
    assert crossval._p(None) == "-" and crossval._p(0.234) == "0.23"


@pytest.mark.django_db
def test_the_final_model_carries_the_cross_validated_card_and_threshold(cv_run):
    version = ModelVersion.objects.get(name="tiny-cv")
    summary = json.loads((cv_run["out"] / "cv.json").read_text())
    assert version.is_active
    assert version.threshold == pytest.approx(summary["threshold"])
    assert version.card["evaluation"]["auc"] == pytest.approx(summary["cv"]["auc"])
    assert version.card["provenance"]["trained"] is True
    assert version.card["backbone_init"] == "imagenet"


def test_the_final_model_analyses_a_generated_clip(cv_run, tiny_dataset):
    detector = load_detector(Path(cv_run["out"]) / "model.pt", "cpu")
    result = analyze(tiny_dataset / "videos" / "fake_2.mp4", detector, AnalyzeOptions(frames=6))
    assert result.verdict in ("real", "fake", "uncertain") and result.frames


def test_the_same_fold_models_are_measured_with_and_without_test_time_flip(cv_run):
    flip = json.loads((cv_run["out"] / "cv.json").read_text())["cv"]["tta_flip"]
    assert flip["pooled_auc_without"] == pytest.approx(json.loads((cv_run["out"] / "cv.json").read_text())["cv"]["pooled_auc"])
    assert flip["gain"] == pytest.approx(flip["pooled_auc_with"] - flip["pooled_auc_without"])
    low, high = flip["gain_ci95"]
    assert low <= high


def test_the_paired_difference_is_exact_for_identical_scores_and_signed_for_a_better_one():
    import numpy as np

    from ml.training.metrics import paired_auc_difference

    labels = np.array([0, 0, 0, 1, 1, 1])
    noisy = np.array([0.1, 0.6, 0.3, 0.5, 0.9, 0.4])
    perfect = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    assert paired_auc_difference(labels, noisy, noisy, n=50) == (0.0, (0.0, 0.0))
    gain, (low, high) = paired_auc_difference(labels, perfect, noisy, n=200)
    assert gain == pytest.approx(1.0 - 7 / 9) and 0.0 <= low <= high  # the noisy one orders 7 of 9 pairs


@pytest.fixture(scope="module")
def scored_every_epoch(tiny_dataset, tiny_cache, tmp_path_factory):
    out = tmp_path_factory.mktemp("cv") / "cv2-every"
    call_command("train_model", "--data", str(tiny_dataset), "--cache-dir", str(tiny_cache), "--output", str(out),
                 "--cv", "2", "--score-every", "1", *CV, stdout=StringIO())
    return out


def test_score_every_reports_the_pooled_auc_after_each_epoch_the_last_being_the_runs_own(scored_every_epoch):
    cv = json.loads((scored_every_epoch / "cv.json").read_text())["cv"]
    assert list(cv["auc_by_epoch"]) == ["1", "2"]  # TINY_TRAINING trains 2 epochs
    assert cv["auc_by_epoch"]["2"]["pooled_auc"] == pytest.approx(cv["pooled_auc"])
    low, high = cv["auc_by_epoch"]["1"]["pooled_auc_ci95"]
    assert 0.0 <= low <= high <= 1.0


def test_scoring_along_the_way_leaves_the_trained_models_unchanged(scored_every_epoch, cv_run):
    """The same seed and settings with and without --score-every: the same out-of-fold scores, so a run
    measured along the way is the run it would have been."""
    def scores(run):
        rows = (run / "oof_scores.csv").read_text().strip().splitlines()[1:]
        return {r.split(",")[0]: float(r.rsplit(",", 1)[1]) for r in rows}
    assert scores(scored_every_epoch) == pytest.approx(scores(cv_run["out"]), abs=1e-6)


def test_score_every_needs_cross_validation(tiny_dataset, tmp_path):
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match=r"--score-every\) needs cross-validation"):
        call_command("train_model", "--data", str(tiny_dataset), "--output", str(tmp_path / "x"), "--score-every", "5",
                     *TINY_TRAINING, stdout=StringIO())


def test_score_every_that_reaches_the_last_epoch_is_refused(tiny_dataset, tmp_path):
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match="score nothing before the last epoch: the recipe trains 2"):
        call_command("train_model", "--data", str(tiny_dataset), "--output", str(tmp_path / "x"), "--cv", "2",
                     "--score-every", "2", *CV, stdout=StringIO())


def test_the_pooled_interval_says_what_it_resamples_and_four_groups_are_too_few(cv_run):
    """The tiny dataset's 4 identity groups are too few to resample, so its interval resamples videos
    and the report and card say so (the sample's 20 groups are resampled: test_metrics)."""
    summary = json.loads((cv_run["out"] / "cv.json").read_text())
    assert summary["out_of_fold"]["auc_ci95_resamples"] == "videos (4 identity groups are too few)"
    assert cv_run["version"].card["evaluation"]["auc_ci95_resamples"] == "videos (4 identity groups are too few)"


@pytest.mark.django_db
def test_staff_see_a_cross_validated_models_figures_on_its_admin_card_and_in_the_list(cv_run, client, admin_user):
    """Regression: the admin read only a held-out split's test_* metrics, so a model trained with --cv (every
    release) showed "No metrics recorded." on its card and "—" as its AUC in the list."""
    from django.urls import reverse

    client.force_login(admin_user)
    version = cv_run["version"]
    evaluation = version.card["evaluation"]
    page = client.get(reverse("admin:detector_modelversion_card", args=[version.pk])).content.decode()
    assert "No metrics recorded" not in page
    assert f"AUC (mean over folds)</th><td>{evaluation['auc']:.3f} ± {evaluation['auc_sd']:.3f}<" in page
    assert f"Pooled out-of-fold AUC</th><td>{evaluation['pooled_auc']:.3f}<" in page
    low, high = evaluation["auc_ci95"]
    assert f"Pooled AUC 95% CI</th><td>{low:.3f} – {high:.3f} (resampling videos (4 identity groups are too few))" in page
    assert f"Expected calibration error</th><td>{evaluation['calibration']['ece_after']:.3f}" in page
    assert (f"AUC within identity groups</th><td>{evaluation['within_group_auc']:.3f} (4 pairs of a real and a fake "
            "of the same people)<") in page
    listing = client.get(reverse("admin:detector_modelversion_changelist")).content.decode()
    assert f'<td class="field-auc">{evaluation["auc"]:.3f}</td>' in listing


def test_a_cache_of_fewer_frames_than_an_upload_is_not_measured_as_uploads_are(cv_run):
    # The tiny run caches 6 frames a video: an upload's 20 cannot be drawn from them (the measurement
    # itself is tested in test_calibration.py), so the report says so rather than giving a shift of 0.
    served = json.loads((cv_run["out"] / "cv.json").read_text())["cv"]["served_frames"]
    assert served == {"frames": 20, "videos": 0, "videos_skipped": 8}
    assert "scored as uploads are (20 frames a video): not measured, 8 of 8 videos skipped" in (
        cv_run["out"] / "train.log").read_text()


def test_the_served_scores_report_says_whether_a_map_fitted_on_them_would_calibrate_better(caplog):
    # The served-frames measurement compares the map fitted on the cached frames with one fitted on the
    # served scores, each on people it was not fitted on; here the served scores sit two logits higher.
    from types import SimpleNamespace

    from ml.training.calibration import fit_calibration
    from ml.training.division import HeldOut

    rng = np.random.default_rng(0)
    y = np.tile([0, 1, 1, 1], 40)
    z = np.where(y == 1, 1.0, -1.0) + rng.normal(0, 1.2, len(y))
    items = [SimpleNamespace(clip=SimpleNamespace(target=int(t), dataset="d", group=f"g{n // 4 % 20}"))
             for n, t in enumerate(y)]
    cached = 1 / (1 + np.exp(-z))
    folds = crossval.KFolds(SimpleNamespace(seed=0, bootstrap=50))
    folds.served = 1 / (1 + np.exp(-(z + 2.0)))
    held = HeldOut(items=items, scores=cached, rule_items=items, rule_scores=cached, history=[], model=None)
    calibration = fit_calibration(y, cached, "platt")
    report = folds._served_comparison(held, {"threshold": 0.5}, calibration)
    refit = report["ece_cross_fitted"]
    assert refit["fitted_on_served"]["median"] < refit["fitted_on_cached"]["median"]
    assert refit["difference"]["p10_p90"][1] < 0  # lower in nine halvings of ten
    assert refit["halves"] == "identity groups" and refit["measurements"] == 40
    assert "ece_cross_fitted" not in folds._served_comparison(held, {"threshold": 0.5}, None)
    json.dumps(report)  # plain numbers, as cv.json needs
    assert (f"fitted on half the identity groups and measured on the other (40 measurements: 20 halvings, both "
            f"ways): ECE {refit['fitted_on_cached']['median']:.3f}") in caplog.text


def test_the_report_says_how_each_identity_group_was_ranked_and_where_its_people_were_put(cv_run):
    # A pooled AUC mixes people; the hard ones (on the sample, one pair of people made most of a fold
    # that every model scored near chance) show up only group by group.
    report = json.loads((cv_run["out"] / "cv.json").read_text())["out_of_fold"]
    groups = report["per_group"]
    assert sorted(g.rsplit("/", 1)[1] for g in groups) == ["g0", "g1", "g2", "g3"]  # dataset/group
    for row in groups.values():
        assert row["n"] == 2 and row["n_fake"] == 1 and 0.0 <= row["auc"] <= 1.0
        assert 0.0 <= row["median_p_real"] <= 1.0 and 0.0 <= row["median_p_fake"] <= 1.0
    assert report["within_group_pairs"] == 4 and 0.0 <= report["within_group_auc"] <= 1.0
    assert (f"AUC within identity groups {report['within_group_auc']:.3f} (4 pairs of a real and a fake of the "
            "same people)") in (cv_run["out"] / "train.log").read_text()
    some, row = next(iter(groups.items()))
    assert (f"group       {some:<18} n=2   accuracy {row['accuracy']:.3f}  AUC {row['auc']:.3f}  median P(fake) "
            f"reals {row['median_p_real']:.2f}, fakes {row['median_p_fake']:.2f}") in (cv_run["out"] / "train.log").read_text()


def test_a_group_of_fakes_alone_has_no_level_for_its_reals():
    from types import SimpleNamespace

    from ml.training.evaluate import per_group

    items = [SimpleNamespace(clip=SimpleNamespace(dataset="d", group=g)) for g in ("a", "a", "b", "b")]
    groups = per_group(items, [0, 1, 1, 1], [0.2, 0.7, 0.4, 0.6], 0.5)
    assert groups["d/a"]["auc"] == 1.0 and groups["d/a"]["median_p_real"] == pytest.approx(0.2)
    assert groups["d/b"]["median_p_real"] is None and groups["d/b"]["median_p_fake"] == pytest.approx(0.5)
    assert groups["d/b"]["auc_vs_all_reals"] == 1.0
