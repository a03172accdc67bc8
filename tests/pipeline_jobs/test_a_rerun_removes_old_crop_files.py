"""A re-run replaces the earlier face crops: their rows and their files."""

import os

import pytest

from detector import jobs
from detector.models import FrameResult
from tests.fixtures import fake_result, make_analysis

pytestmark = pytest.mark.django_db(transaction=True)  # crop files are deleted after the commit


def test_a_rerun_deletes_the_files_of_the_earlier_crops(user, active_model):
    analysis = make_analysis(user)
    jobs.save_result(analysis, active_model, fake_result(frames=3), seconds=1.0)
    old = [frame.crop.path for frame in FrameResult.objects.filter(analysis=analysis)]
    jobs.save_result(analysis, active_model, fake_result(frames=2), seconds=1.0)
    new = [frame.crop.path for frame in FrameResult.objects.filter(analysis=analysis)]
    assert len(new) == 2 and not set(old) & set(new)
    assert not any(os.path.exists(path) for path in old)
