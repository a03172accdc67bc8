"""An upload that parked itself as "waiting for a model" just as a model was activated (its transaction
read "no model" before the activation committed, and the activation's release ran before the upload
committed) is queued by the sweeper: while a model is active, nothing waits for one."""

import pytest

from detector import dispatch
from detector.models import Analysis
from tests.fixtures import make_analysis

pytestmark = pytest.mark.django_db


def test_the_sweeper_queues_an_analysis_left_waiting_beside_an_active_model(user, active_model):
    stranded = make_analysis(user, status=Analysis.Status.WAITING_MODEL)
    assert dispatch.release_stranded() == 1
    stranded.refresh_from_db()
    assert stranded.status == "queued" and stranded.enqueued_at is None
    assert stranded.pk in set(dispatch.unsent().values_list("pk", flat=True))  # this sweep sends it


def test_without_an_active_model_waiting_analyses_keep_waiting(user):
    waiting = make_analysis(user, status=Analysis.Status.WAITING_MODEL)
    assert dispatch.release_stranded() == 0
    waiting.refresh_from_db()
    assert waiting.status == "waiting_model"
