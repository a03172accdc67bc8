"""A re-run replaces the earlier face crops: their rows and their files."""

import os

import pytest

from detector import inference, jobs
from detector.models import Analysis, FrameResult
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


def test_a_storage_error_on_the_old_crops_does_not_undo_the_new_result(user, active_model, monkeypatch):
    """The old crops are deleted after the new result commits; a storage error there is logged and the
    old files stay behind. It marked the finished analysis failed and deleted its new crops before."""
    analysis = make_analysis(user)
    jobs.save_result(analysis, active_model, fake_result(frames=3), seconds=1.0)
    old = {frame.crop.name for frame in FrameResult.objects.filter(analysis=analysis)}
    storage = FrameResult._meta.get_field("crop").storage
    real_delete = storage.delete

    def delete(name):
        if name in old:
            raise OSError("the bucket refused the delete")
        real_delete(name)

    monkeypatch.setattr(storage, "delete", delete)
    Analysis.objects.filter(pk=analysis.pk).update(status=Analysis.Status.QUEUED)
    monkeypatch.setattr(inference, "run_pipeline", lambda *args: fake_result(frames=2))
    jobs.run(analysis.pk)
    analysis.refresh_from_db()
    assert analysis.status == "done" and analysis.error_code == ""
    new = [frame.crop.path for frame in FrameResult.objects.filter(analysis=analysis)]
    assert len(new) == 2 and all(os.path.exists(path) for path in new)
