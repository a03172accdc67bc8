"""A video too small for any face (1x1 pixel) ends as "no face", on a real worker and on its retry.

It used to fail with internal_error: MTCNN builds no image pyramid for an image under 20 pixels and
facenet-pytorch crashed on the empty list.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from detector import services, uploads
from detector.models import Analysis
from tests.fixtures import wait_for
from tests.media import make_tiny_clip

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def upload_tiny(user, tmp_path):
    path = make_tiny_clip(tmp_path / "dot.avi")
    data = SimpleUploadedFile(path.name, path.read_bytes(), content_type="video/x-msvideo")
    checked = uploads.check_upload(data)
    with transaction.atomic():
        return services.start_analysis(services.create_video(user, data, checked), 10)


def outcome(analysis):
    return Analysis.objects.values_list("status", "verdict", "faces_found", "error_code").get(pk=analysis.pk)


def finishes(analysis):
    wait_for(lambda: Analysis.objects.get(pk=analysis.pk).is_finished, timeout=180)
    return outcome(analysis)


def test_a_1x1_pixel_video_ends_as_no_face_on_a_real_worker_and_on_retry(user, active_model, celery_worker, tmp_path):
    analysis = upload_tiny(user, tmp_path)
    assert finishes(analysis) == ("done", "no_face", 0, "")
    # A user retries what failed before the fix: the retry must not fail the same way.
    Analysis.objects.filter(pk=analysis.pk).update(status=Analysis.Status.FAILED, error_code="internal_error")
    assert services.retry(Analysis.objects.get(pk=analysis.pk)) is True
    assert finishes(analysis) == ("done", "no_face", 0, "")
