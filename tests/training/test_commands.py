"""prepare_dataset, train_model --activate and evaluate_model on the tiny generated dataset."""

from io import StringIO

import pytest
from django.core.management import call_command

from detector.models import ModelVersion

from .conftest import TINY_TRAINING


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_prepare_dataset_reports_every_video_and_a_second_run_reuses_the_cache(tiny_dataset, tiny_cache):
    args = ("--data", str(tiny_dataset), "--cache-dir", str(tiny_cache), "--frames", "6", "--crop-size", "64")
    run("prepare_dataset", *args, "--verbosity", "0")
    out = run("prepare_dataset", *args, "--verbosity", "0")
    assert "8 videos: 8 already cached, 0 extracted, 0 with no face" in out


@pytest.mark.django_db
def test_train_model_registers_and_activates_a_version_with_metrics_and_card(tiny_dataset, tiny_cache, tmp_path):
    old = ModelVersion.objects.create(name="old", backbone="resnext50_32x4d", checkpoint_path="/x.pt",
                                      checkpoint_sha256="0" * 64, is_active=True)
    out = run("train_model", "--data", str(tiny_dataset), "--cache-dir", str(tiny_cache),
              "--output", str(tmp_path / "cmd-run"), *TINY_TRAINING, "--activate", "--name", "tiny-v1")
    assert "Held-out AUC" in out and "Activated tiny-v1" in out
    version = ModelVersion.objects.get(name="tiny-v1")
    assert version.is_active and not ModelVersion.objects.get(pk=old.pk).is_active
    assert version.checkpoint_path == str((tmp_path / "cmd-run" / "model.pt").resolve())
    assert version.metrics["test_n"] == 4 and "test_auc" in version.metrics
    assert version.card["backbone_init"] == "imagenet" and version.card["recipe"] == "finetune"
    assert version.card["split"]["test"]["videos"] == 4
    assert set(version.card["plots"]) == {"loss", "roc", "reliability", "confusion", "scores"}
    assert version.card["frames"] == 4 and version.card["epochs"] == 2


@pytest.mark.django_db
def test_evaluate_model_reports_auc_for_a_checkpoint(tiny_dataset, tiny_cache, tiny_run):
    out = run("evaluate_model", "--model", tiny_run["checkpoint"], "--data", str(tiny_dataset),
              "--cache-dir", str(tiny_cache), "--extract-frames", "6", "--bootstrap", "20", "--quiet")
    assert "on 8 videos" in out
