"""The PDF report gives dates a person reads, with their time zone; the JSON report's crop links work
once downloaded (absolute, under DEEPTRACE_SITE_URL) or it says where the crops are."""

import datetime
import io
import json

import pytest
from django.utils import timezone
from pypdf import PdfReader

from detector.models import Analysis, Review
from tests.fixtures import make_done

pytestmark = pytest.mark.django_db
WHEN = datetime.datetime(2026, 12, 5, 23, 46, 41, 934185, tzinfo=datetime.timezone.utc)


def report(client, user, fmt):
    analysis = make_done(user)
    Analysis.objects.filter(pk=analysis.pk).update(finished_at=WHEN)
    Review.objects.create(analysis=analysis, decision="confirmed_fake", created_at=WHEN)
    client.force_login(user)
    return analysis, client.get(f"/analyses/{analysis.pk}/report.{fmt}").content


def test_the_pdf_shows_human_dates_with_their_time_zone(client, user):
    _, body = report(client, user, "pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "Analysed at 5 Dec 2026, 23:46 UTC" in text
    assert "Reviewed by staff: Judged fake (5 Dec 2026, 23:46 UTC)" in text
    assert f"report generated {timezone.now():%-d %b %Y}" in text
    assert "T23:46" not in text and "+00:00" not in text


def test_the_json_report_links_its_crops_under_the_site_url(client, user, settings):
    settings.SITE_URL = "https://deeptrace.example"
    analysis, body = report(client, user, "json")
    data = json.loads(body)
    frames = list(analysis.frames.all())
    assert [f["crop_url"] for f in data["frames"]] == [f"https://deeptrace.example/media/crops/{f.pk}.jpg" for f in frames]
    assert data["crops_note"] is None


def test_without_a_site_url_the_json_report_says_the_crops_are_in_the_pdf(client, user, settings):
    settings.SITE_URL = ""
    _, body = report(client, user, "json")
    data = json.loads(body)
    assert all(f["crop_url"] is None for f in data["frames"])
    assert data["crops_note"].startswith("The face crops and their heatmaps are in the PDF report")
