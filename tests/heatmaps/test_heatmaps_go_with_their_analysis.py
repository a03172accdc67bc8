"""Heatmap files go when their analysis is deleted or re-run, and stay, like the crops, when retention
purges the video."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from detector import jobs, services
from detector.models import Video
from tests.fixtures import fake_result, make_model
from tests.heatmaps.helpers import analysis_with_heatmaps, heatmap_frames

pytestmark = pytest.mark.django_db(transaction=True)  # file deletion waits for the commit


def heatmap_files(analysis):
    return [Path(f.heatmap.path) for f in heatmap_frames(analysis)]


def test_deleting_an_analysis_deletes_its_heatmaps(user):
    analysis = analysis_with_heatmaps(user)
    files = heatmap_files(analysis)
    services.delete_analysis(analysis)
    assert files and not any(f.exists() for f in files)


def test_a_re_run_replaces_the_earlier_heatmaps(user):
    analysis = analysis_with_heatmaps(user)
    files = heatmap_files(analysis)
    jobs.save_result(analysis, make_model(), fake_result(frames=2), 1.0)
    assert files and not any(f.exists() for f in files)
    assert heatmap_frames(analysis) == []


def test_purging_the_video_keeps_the_heatmaps_with_the_crops(user):
    analysis = analysis_with_heatmaps(user)
    files = heatmap_files(analysis)
    then = timezone.now() - timedelta(days=40)
    Video.objects.filter(pk=analysis.video_id).update(created_at=then, stored_at=then)
    call_command("purge_videos", "--older-than-days", "30", stdout=open("/dev/null", "w"))
    assert Video.objects.get(pk=analysis.video_id).file.name == ""
    assert files and all(f.exists() for f in files)
