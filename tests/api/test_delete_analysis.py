"""DELETE /api/v1/analyses/{id}/: the analysis, its crops and its video go."""

import os

import pytest

from detector.models import Analysis, FrameResult, Video
from tests.fixtures import error_code, make_done

pytestmark = pytest.mark.django_db


def test_it_deletes_the_analysis_its_crops_and_its_video(alice, user, django_capture_on_commit_callbacks):
    analysis = make_done(user)
    paths = [analysis.video.file.path] + [f.crop.path for f in analysis.frames.all()]
    with django_capture_on_commit_callbacks(execute=True):  # the files go once the deletion commits
        response = alice.delete(f"/api/v1/analyses/{analysis.pk}/")
    assert response.status_code == 204 and response.content == b""
    assert not Analysis.objects.exists() and not FrameResult.objects.exists() and not Video.objects.exists()
    assert not any(os.path.exists(p) for p in paths)


def test_it_answers_404_for_another_users_analysis(bob, user):
    analysis = make_done(user)
    response = bob.delete(f"/api/v1/analyses/{analysis.pk}/")
    assert response.status_code == 404 and error_code(response) == "not_found"
    assert Analysis.objects.filter(pk=analysis.pk).exists()


def test_it_asks_anonymous_clients_to_authenticate(api_client, user):
    analysis = make_done(user)
    assert api_client.delete(f"/api/v1/analyses/{analysis.pk}/").status_code == 401
    assert Analysis.objects.filter(pk=analysis.pk).exists()
