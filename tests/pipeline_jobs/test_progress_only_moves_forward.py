"""Every step the pipeline reports reaches the database, and the stored progress never goes back."""

import pytest

from detector import jobs
from detector.models import Analysis
from tests.fixtures import make_analysis

pytestmark = pytest.mark.django_db


def test_interleaved_sampling_and_detection_reports_never_move_the_bar_back(user):
    analysis = make_analysis(user, status=Analysis.Status.RUNNING)
    write = jobs.progress_writer(analysis.pk)
    seen = []
    reports = [("probing", 0.0), ("probing", 1.0)]
    for k in range(1, 11):  # the pipeline's batches: sampled k/10, then detected k/10
        reports += [("sampling", k / 10), ("detecting", k / 10)]
    reports += [("scoring", 0.5), ("scoring", 1.0)]
    for stage, fraction in reports:
        write(stage, fraction)
        row = Analysis.objects.values("stage", "progress").get(pk=analysis.pk)
        seen.append((row["stage"], row["progress"]))
    progress = [p for _, p in seen]
    assert progress == sorted(progress) and progress[-1] == 95
    assert len(set(progress)) >= 12  # each batch moved the bar, no 9-second stall at one value
    assert seen[-1] == ("scoring", 95) and ("detecting", 70) in seen
