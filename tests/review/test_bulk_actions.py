"""Bulk decisions and the CSV export of the queue."""

import csv
import io

import pytest

from tests.fixtures import make_done

pytestmark = pytest.mark.django_db
QUEUE = "/admin/detector/flaggedanalysis/"


def test_a_bulk_action_adds_a_decision_to_each_selected_analysis(staff_client, staff_user, user, flagged):
    other = make_done(user, verdict="uncertain", p_fake=0.5)
    response = staff_client.post(QUEUE, {"action": "mark_confirmed_fake", "_selected_action": [flagged.pk, other.pk]})
    assert response.status_code == 302
    for analysis in (flagged, other):
        assert [(r.decision, r.reviewer) for r in analysis.reviews.all()] == [("confirmed_fake", staff_user)]


def test_it_exports_the_selected_queue_rows_as_csv(staff_client, flagged):
    response = staff_client.post(QUEUE, {"action": "export_csv", "_selected_action": [flagged.pk]})
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    assert rows[0]["analysis_id"] == str(flagged.pk) and rows[0]["verdict"] == "fake"
    assert rows[0]["model_version"] == "v-review" and rows[0]["owner"] == "alice"
