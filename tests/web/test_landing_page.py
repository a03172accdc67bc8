"""Visitors land on a page that says what DeepTrace does and how far to trust it; users land on upload."""

import pytest

from detector.models import ModelVersion

pytestmark = pytest.mark.django_db

CARD = {"evaluation": {"auc": 0.87, "auc_sd": 0.04, "protocol": "5-fold group cross-validation",
                       "data": "the FaceForensics++ c23 sample", "videos": 175}, "provenance": {"trained": True}}


def test_a_visitor_sees_what_it_does_how_to_read_a_verdict_and_how_to_join(client):
    page = client.get("/").content.decode()
    assert "Is this video a deepfake?" in page and "How to read a verdict" in page
    assert 'href="/accounts/signup/"' in page and 'href="/accounts/login/"' in page
    assert "No model is active yet" in page and 'id="upload-form"' not in page


def test_a_visitor_sees_the_active_models_measured_quality(client, active_model):
    ModelVersion.objects.filter(pk=active_model.pk).update(card=CARD)
    page = client.get("/").content.decode()
    assert active_model.name in page and "0.87 ± 0.04" in page
    assert "5-fold group cross-validation" in page and "the FaceForensics++ c23 sample" in page


def test_an_untrained_model_is_called_meaningless(client, active_model):
    ModelVersion.objects.filter(pk=active_model.pk).update(card={"provenance": {"trained": False}})
    assert "This model was never trained: its verdicts are meaningless" in client.get("/").content.decode()


def test_a_signed_in_user_still_lands_on_upload(client, user):
    client.force_login(user)
    page = client.get("/").content.decode()
    assert 'id="upload-form"' in page and "How to read a verdict" not in page
