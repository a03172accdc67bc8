"""The model card in the admin: staff only, with data, split, backbone init, metrics, plots and
threshold; the activate action leaves one active version and starts the analyses waiting for one."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from detector.models import Analysis, ModelVersion, Video
from detector.registry import register_checkpoint


@pytest.fixture
def version(tiny_run):
    from pathlib import Path

    return register_checkpoint(Path(tiny_run["checkpoint"]), "tiny-card")


def card_url(version):
    return reverse("admin:detector_modelversion_card", args=[version.pk])


@pytest.mark.django_db
def test_staff_see_the_card_with_init_split_metrics_threshold_and_plots(client, staff_user, version):
    client.force_login(staff_user)
    response = client.get(card_url(version))
    page = response.content.decode()
    assert response.status_code == 200
    assert ">imagenet<" in page and "recipe finetune" in page
    assert "group-aware, seed 0" in page
    assert "AUC" in page and "one group-aware 50%/50% split (seed 0)" in page  # the tiny run tests half
    assert "Balanced accuracy" in page and "Held-out metrics" in page
    assert f"{version.threshold:.3f}" in page
    for plot in ("loss", "roc", "confusion", "scores"):
        assert reverse("admin:detector_modelversion_plot", args=[version.pk, plot]) in page


@pytest.mark.django_db
def test_staff_get_a_plot_as_png_and_an_unknown_plot_404s(client, staff_user, version):
    client.force_login(staff_user)
    response = client.get(reverse("admin:detector_modelversion_plot", args=[version.pk, "roc"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content)[:4] == b"\x89PNG"
    assert client.get(reverse("admin:detector_modelversion_plot", args=[version.pk, "secrets"])).status_code == 404


@pytest.mark.django_db
def test_a_missing_version_404s(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("admin:detector_modelversion_card", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_anonymous_and_non_staff_users_are_sent_to_the_admin_login(client, user, version):
    for url in (card_url(version), reverse("admin:detector_modelversion_plot", args=[version.pk, "roc"])):
        assert client.get(url).status_code == 302
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        client.logout()


@pytest.mark.django_db
def test_the_activate_action_leaves_one_active_version_and_queues_waiting_analyses(client, admin_user, user, version):
    ModelVersion.objects.create(name="old", backbone="resnext50_32x4d", checkpoint_path="/x.pt",
                                checkpoint_sha256="0" * 64, is_active=True)
    video = Video.objects.create(owner=user, file=ContentFile(b"x", name="a.mp4"), original_name="a.mp4",
                                 sha256="0" * 64, size_bytes=1)
    waiting = Analysis.objects.create(video=video, status=Analysis.Status.WAITING_MODEL)
    client.force_login(admin_user)
    response = client.post(reverse("admin:detector_modelversion_changelist"),
                           {"action": "activate_selected", "index": "0", "_selected_action": [version.pk]}, follow=True)
    assert "Activated tiny-card (now the only active model); 1 waiting analyses queued." in response.content.decode()
    assert list(ModelVersion.objects.filter(is_active=True)) == [version]
    waiting.refresh_from_db()
    assert waiting.status == Analysis.Status.QUEUED


@pytest.mark.django_db
def test_activating_two_versions_at_once_is_refused(client, admin_user, version):
    other = ModelVersion.objects.create(name="other", backbone="resnext50_32x4d", checkpoint_path="/x.pt",
                                        checkpoint_sha256="0" * 64)
    client.force_login(admin_user)
    response = client.post(reverse("admin:detector_modelversion_changelist"),
                           {"action": "activate_selected", "index": "0", "_selected_action": [version.pk, other.pk]}, follow=True)
    assert "Select exactly one model version" in response.content.decode()
    assert not ModelVersion.objects.filter(is_active=True).exists()


def test_a_card_older_than_its_evaluation_field_still_shows_the_auc_from_its_metrics():
    from django.contrib import admin as django_admin

    from detector.admin_models import ModelVersionAdmin, _evaluation, _evaluation_rows

    split = ModelVersion(name="old-split", card={}, metrics={"test_auc": 0.71, "test_auc_ci95": [0.6, 0.8],
                                                              "test_balanced_accuracy": 0.66})
    cv = ModelVersion(name="old-cv", card={"data": "x"}, metrics={"cv_auc": 0.7, "cv_auc_sd": 0.1, "cv_pooled_auc": 0.65})
    assert _evaluation_rows(_evaluation(split)) == [("AUC", "0.710"), ("AUC 95% CI", "0.600 – 0.800"),
                                                    ("Balanced accuracy", "0.660")]
    assert _evaluation_rows(_evaluation(cv)) == [("AUC (mean over folds)", "0.700 ± 0.100"), ("Pooled out-of-fold AUC", "0.650")]
    listing = ModelVersionAdmin(ModelVersion, django_admin.site)
    assert listing.auc(split) == "0.710" and listing.auc(ModelVersion(name="never", metrics={})) == "—"


def test_an_interval_the_bootstrap_could_not_draw_is_left_out_rather_than_shown_as_nan():
    from detector.admin_models import _evaluation_rows

    rows = dict(_evaluation_rows({"auc": 0.7, "auc_ci95": [float("nan"), float("nan")], "balanced_accuracy": float("nan")}))
    assert rows == {"AUC": "0.700"}
