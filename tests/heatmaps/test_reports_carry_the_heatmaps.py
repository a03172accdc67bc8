"""The JSON report lists each frame's heatmap; the PDF draws the most suspicious crops' heatmaps."""

import json
import re

import pytest

from detector import reports
from tests.heatmaps.helpers import analysis_with_heatmaps, heatmap_frames

pytestmark = pytest.mark.django_db


def test_the_json_report_links_the_heatmaps_under_the_site_url_as_it_does_the_crops(client, user, settings):
    settings.SITE_URL = "https://deeptrace.example"
    analysis = analysis_with_heatmaps(user)
    client.force_login(user)
    report = json.loads(client.get(f"/analyses/{analysis.pk}/report.json").content)
    urls = [f["heatmap_url"] for f in report["frames"]]
    assert urls[0] is None
    assert urls[1:] == [f"https://deeptrace.example/media/heatmaps/{f.pk}.jpg" for f in heatmap_frames(analysis)]


def test_without_a_site_url_the_json_report_gives_no_bare_heatmap_path(client, user, settings):
    """A bare path is useless in a downloaded file (the crops' rule); the PDF carries the maps instead."""
    settings.SITE_URL = ""
    analysis = analysis_with_heatmaps(user)
    client.force_login(user)
    report = json.loads(client.get(f"/analyses/{analysis.pk}/report.json").content)
    assert all(f["heatmap_url"] is None for f in report["frames"]) and report["crops_note"]


def test_the_pdf_draws_the_heatmaps_beside_their_crops(user):
    with_maps = reports.as_pdf(reports.build(analysis := analysis_with_heatmaps(user)), analysis)
    without = reports.as_pdf(reports.build(plain := analysis_with_heatmaps(user, with_heatmaps=0)), plain)
    images = lambda pdf: len(re.findall(rb"/Subtype\s*/Image", pdf))  # noqa: E731
    assert images(with_maps) > images(without)
