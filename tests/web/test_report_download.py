"""The result page offers the report as PDF and JSON; the files are the owner's only."""

import io

import pytest
from pypdf import PdfReader

from tests.web.helpers import make_analysis, make_done_analysis, make_review

pytestmark = pytest.mark.django_db


def test_the_result_page_links_the_pdf_and_json_reports(client, user, active_model):
    analysis = make_done_analysis(user, active_model)
    client.force_login(user)
    page = client.get(f"/analyses/{analysis.pk}/").content.decode()
    assert f'href="/analyses/{analysis.pk}/report.pdf"' in page and f'href="/analyses/{analysis.pk}/report.json"' in page


def test_the_pdf_holds_the_verdict_sha256_and_staff_review(client, user, staff_user, active_model):
    analysis = make_done_analysis(user, active_model)
    make_review(analysis, staff_user)
    client.force_login(user)
    response = client.get(f"/analyses/{analysis.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Verdict: Fake" in text and analysis.video.sha256 in text and "Reviewed by staff" in text
    assert "never trained" not in text and "has not been measured" in text  # the fixture model has no card


def test_the_json_report_has_every_scored_face(client, user, active_model):
    analysis = make_done_analysis(user, active_model)
    client.force_login(user)
    report = client.get(f"/analyses/{analysis.pk}/report.json").json()
    assert [f["band"] for f in report["frames"]] == ["real", "uncertain", "fake"]
    assert report["analysis"]["id"] == analysis.pk and report["video"]["file_name"] == "clip.mp4"


def test_another_users_report_and_an_unfinished_ones_are_404(client, user, other_user):
    client.force_login(user)
    assert client.get(f"/analyses/{make_done_analysis(other_user).pk}/report.pdf").status_code == 404
    assert client.get(f"/analyses/{make_analysis(user).pk}/report.json").status_code == 404
    assert client.get(f"/analyses/{make_done_analysis(user).pk}/report.xml").status_code == 404
