"""The JSON report lists each frame's heatmap; the PDF draws the most suspicious crops' heatmaps."""

import json
import re

import pytest

from detector import reports
from tests.heatmaps.helpers import analysis_with_heatmaps, heatmap_frames

pytestmark = pytest.mark.django_db


def test_the_json_report_lists_the_heatmaps(client, user):
    analysis = analysis_with_heatmaps(user)
    client.force_login(user)
    report = json.loads(client.get(f"/analyses/{analysis.pk}/report.json").content)
    urls = [f["heatmap_url"] for f in report["frames"]]
    assert urls[0] is None and urls[1:] == [f"/media/heatmaps/{f.pk}.jpg" for f in heatmap_frames(analysis)]


def test_the_pdf_draws_the_heatmaps_beside_their_crops(user):
    with_maps = reports.as_pdf(reports.build(analysis := analysis_with_heatmaps(user)), analysis)
    without = reports.as_pdf(reports.build(plain := analysis_with_heatmaps(user, with_heatmaps=0)), plain)
    images = lambda pdf: len(re.findall(rb"/Subtype\s*/Image", pdf))  # noqa: E731
    assert images(with_maps) > images(without)
