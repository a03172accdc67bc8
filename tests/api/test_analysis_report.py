"""GET analyses/{id}/report.json and report.pdf: the take-away report, owner only, once done."""

import io

import jsonschema
import pytest
import yaml
from pypdf import PdfReader

from detector.models import Analysis
from tests.api.test_schema import _json_schema
from tests.fixtures import error_code, make_done, make_model

pytestmark = pytest.mark.django_db

CARD = {"evaluation": {"auc": 0.91, "auc_sd": 0.03, "protocol": "5-fold group cross-validation",
                       "data": "FaceForensics++ c23 sample", "videos": 175}, "provenance": {"trained": True}}


def test_the_json_report_validates_against_its_schema_in_the_openapi_document(alice, user, staff_user, client):
    analysis = make_done(user, model_version=make_model(card=CARD))
    analysis.reviews.create(reviewer=staff_user, decision="confirmed_fake")
    response = alice.get(f"/api/v1/analyses/{analysis.pk}/report.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert f'deeptrace-report-{analysis.pk}.json' in response["Content-Disposition"]
    report = response.json()
    openapi = yaml.safe_load(client.get("/api/schema/").content)
    jsonschema.validate(report, _json_schema(openapi, "AnalysisReport"))
    assert report["video"]["sha256"] == analysis.video.sha256
    assert report["model"]["quality"]["auc"] == 0.91 and report["result"]["verdict"] == "fake"
    assert len(report["frames"]) == analysis.frames.count() == 3
    assert report["review"]["decision"] == "confirmed_fake"


def test_the_pdf_report_opens_and_holds_the_verdict_and_the_sha256(alice, user):
    analysis = make_done(user, model_version=make_model(card=CARD))
    response = alice.get(f"/api/v1/analyses/{analysis.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Verdict: Fake" in text and analysis.video.sha256 in text and "AUC 0.91" in text


def test_another_users_report_is_a_404(bob, user):
    analysis = make_done(user)
    response = bob.get(f"/api/v1/analyses/{analysis.pk}/report.json")
    assert response.status_code == 404 and error_code(response) == "not_found"


def test_a_report_before_the_analysis_is_done_is_a_409(alice, user):
    analysis = make_done(user)
    Analysis.objects.filter(pk=analysis.pk).update(status=Analysis.Status.RUNNING)
    response = alice.get(f"/api/v1/analyses/{analysis.pk}/report.pdf")
    assert response.status_code == 409 and error_code(response) == "not_ready"


def test_anonymous_gets_401_and_a_post_gets_405(api_client, alice, user):
    analysis = make_done(user)
    assert api_client.get(f"/api/v1/analyses/{analysis.pk}/report.json").status_code == 401
    assert alice.post(f"/api/v1/analyses/{analysis.pk}/report.json").status_code == 405
