"""Without an active model, uploads wait; installing one starts them."""

import pytest
from django.core.management import CommandError, call_command

from detector import jobs, registry, services
from detector.models import Analysis, ModelVersion
from tests.fixtures import make_bare_video as make_video
from tests.fixtures import make_failed, make_model

pytestmark = pytest.mark.django_db


def test_an_analysis_waits_when_no_model_is_active(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        analysis = services.start_analysis(make_video(user), frames=20)
    assert Analysis.objects.get(pk=analysis.pk).status == "waiting_model"
    assert callbacks == []


def test_an_analysis_is_queued_after_commit_when_a_model_is_active(user, active_model, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        analysis = services.start_analysis(make_video(user), frames=20)
    assert Analysis.objects.get(pk=analysis.pk).status == "queued"
    assert len(callbacks) == 1


def test_install_model_activates_the_checkpoint_and_queues_waiting_analyses(user, checkpoint, capsys):
    waiting = services.start_analysis(make_video(user), frames=20)
    call_command("install_model", str(checkpoint), "--name", "first")
    version = ModelVersion.objects.get(name="first")
    assert version.is_active and version.backbone == "resnext50_32x4d" and len(version.checkpoint_sha256) == 64
    assert Analysis.objects.get(pk=waiting.pk).status == "queued"
    assert "1 waiting analyses queued" in capsys.readouterr().out


def test_installing_a_second_model_deactivates_the_first(checkpoint):
    call_command("install_model", str(checkpoint), "--name", "one")
    call_command("install_model", str(checkpoint), "--name", "two")
    assert list(ModelVersion.objects.filter(is_active=True).values_list("name", flat=True)) == ["two"]


def test_install_model_refuses_a_file_that_is_not_a_checkpoint(tmp_path):
    bogus = tmp_path / "bogus.pt"
    bogus.write_bytes(b"not a checkpoint")
    with pytest.raises(CommandError):
        call_command("install_model", str(bogus))
    assert not ModelVersion.objects.exists()


def test_install_model_random_gives_a_working_untrained_model_with_a_warning(settings, tmp_path, capsys):
    settings.DEEPTRACE_MODEL_DIR = tmp_path
    call_command("install_model", "--random")
    version = ModelVersion.objects.get(is_active=True)
    assert version.name == "random-untrained" and version.card["provenance"]["trained"] is False
    assert "untrained" in capsys.readouterr().out


def test_install_model_without_a_path_says_what_to_give():
    with pytest.raises(CommandError, match="--random"):
        call_command("install_model")


def test_install_model_keeps_the_model_card_that_training_wrote(tmp_path):
    from ml.model import checkpoint

    detector = checkpoint.random_detector(checkpoint.ModelConfig(lstm_hidden=16))
    path = checkpoint.save_checkpoint(
        tmp_path / "trained.pt", detector.model, detector.config, preprocessing=detector.preprocessing,
        metrics={"test": {"auc": 0.9}}, provenance={"backbone_init": "random"}, threshold=0.6, uncertain_band=0.05,
        extra={"card": {"data": "ffpp-sample", "split": {"test_groups": 25}}},
    )
    call_command("install_model", str(path), "--name", "carded")
    version = ModelVersion.objects.get(name="carded")
    assert version.card["data"] == "ffpp-sample" and version.card["provenance"]["backbone_init"] == "random"
    assert (version.threshold, version.uncertain_band, version.metrics["test"]["auc"]) == (0.6, 0.05, 0.9)


# The web side (upload, retry) and the worker (a job claimed after the active model was removed) park an
# analysis the same way: it waits with nothing left of an earlier run, and the next model queues it.

def test_a_failed_analysis_retried_while_no_model_is_active_waits_without_its_old_error(user):
    analysis = make_failed(user)
    assert services.retry(analysis)
    analysis.refresh_from_db()
    assert (analysis.status, analysis.error_code, analysis.error_message) == ("waiting_model", "", "")


def test_a_job_claimed_after_the_model_was_removed_waits_without_a_lease_for_the_next_one(user, active_model):
    analysis = services.start_analysis(make_video(user), frames=20)
    active_model.delete()
    assert jobs.run(analysis.pk) is jobs.Outcome.SKIPPED
    analysis.refresh_from_db()
    assert (analysis.status, analysis.stage, analysis.progress, analysis.heartbeat_at) == ("waiting_model", "", 0, None)
    assert registry.activate(make_model()) == 1
    assert Analysis.objects.get(pk=analysis.pk).status == "queued"
