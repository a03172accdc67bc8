"""manage.py export_reviews: staff decisions as a file,label,group manifest for retraining."""

import csv

import pytest
from django.core.management import call_command

from detector.models import Review
from tests.fixtures import make_done

pytestmark = pytest.mark.django_db


def test_it_writes_the_latest_settled_decision_per_video(tmp_path, user, staff_user):
    confirmed, overturned, escalated = make_done(user), make_done(user), make_done(user)
    make_done(user)  # never reviewed
    Review.objects.create(analysis=confirmed, reviewer=staff_user, decision="confirmed_fake")
    Review.objects.create(analysis=overturned, reviewer=staff_user, decision="confirmed_fake")
    Review.objects.create(analysis=overturned, reviewer=staff_user, decision="overturned_real")
    Review.objects.create(analysis=escalated, reviewer=staff_user, decision="escalate")
    out = tmp_path / "manifest.csv"
    call_command("export_reviews", "--output", str(out))
    rows = sorted(csv.DictReader(out.open()), key=lambda r: r["group"])
    assert list(rows[0].keys()) == ["file", "label", "group"]
    assert {(r["file"], r["label"], r["group"]) for r in rows} == {
        (confirmed.video.file.path, "fake", f"review-{confirmed.video_id}"),
        (overturned.video.file.path, "real", f"review-{overturned.video_id}"),
    }
