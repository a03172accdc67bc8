"""Evidence is coloured by the rule the verdict was decided with, stored on the analysis: when staff
later change the model's threshold in the admin, the crops and chart still agree with the verdict."""

import re

import pytest

from detector import jobs
from detector.models import Analysis
from tests.fixtures import fake_result, make_analysis

pytestmark = pytest.mark.django_db


def crop_classes(page):
    return re.findall(r'class="evidence-crop (\w+)"', page)


def test_the_verdict_and_the_crop_colours_agree_after_an_admin_changes_the_threshold(
        client, admin_client, user, active_model):
    analysis = make_analysis(user, status=Analysis.Status.RUNNING)
    jobs.save_result(analysis, active_model, fake_result("fake", p_fake=0.7), seconds=1.0)
    analysis.refresh_from_db()
    assert (analysis.threshold, analysis.uncertain_band) == (0.5, 0.1)

    form = {"name": active_model.name, "backbone": active_model.backbone, "checkpoint_path": active_model.checkpoint_path,
            "threshold": "0.8", "uncertain_band": "0.05", "metrics": "{}", "card": "{}"}
    response = admin_client.post(f"/admin/detector/modelversion/{active_model.pk}/change/", form)
    assert response.status_code == 302
    active_model.refresh_from_db()
    assert active_model.threshold == 0.8  # at 0.8, a score of 0.7 would now read "real"

    client.force_login(user)
    page = client.get(f"/analyses/{analysis.pk}/").content.decode()
    assert "verdict-fake" in page
    assert crop_classes(page) == ["fake", "fake", "fake"]
    assert 'data-threshold="0.5"' in page


def test_an_analysis_from_before_the_rule_was_stored_falls_back_to_its_models(user, active_model):
    active_model.threshold, active_model.uncertain_band = 0.6, 0.2
    active_model.save()
    analysis = make_analysis(user, status=Analysis.Status.DONE, model_version=active_model)
    assert analysis.decision_rule == (0.6, 0.2)
    assert [analysis.band_of(p) for p in (0.3, 0.5, 0.9, None)] == ["real", "uncertain", "fake", "none"]


def test_an_analysis_whose_model_was_deleted_uses_the_default_rule(user):
    analysis = make_analysis(user, status=Analysis.Status.DONE)
    assert analysis.decision_rule == (0.5, 0.1)
