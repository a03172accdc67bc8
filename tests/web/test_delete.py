import os

import pytest

from detector.models import Analysis, FrameResult, Video
from tests.web.helpers import make_analysis, make_done_analysis

pytestmark = pytest.mark.django_db


def test_it_asks_for_confirmation_first(client, user):
    analysis = make_analysis(user)
    client.force_login(user)
    page = client.get(f"/analyses/{analysis.pk}/delete/").content.decode()
    assert "Delete this analysis?" in page and 'method="post"' in page
    assert Analysis.objects.filter(pk=analysis.pk).exists()


def test_it_deletes_the_rows_and_files(client, user, django_capture_on_commit_callbacks):
    analysis = make_done_analysis(user)
    files = [analysis.video.file.path] + [f.crop.path for f in analysis.frames.all()]
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):  # the files go once the deletion commits
        response = client.post(f"/analyses/{analysis.pk}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/analyses/"
    assert "Deleted the analysis of clip.mp4." in response.content.decode()
    assert not Analysis.objects.exists() and not Video.objects.exists() and not FrameResult.objects.exists()
    assert not any(os.path.exists(path) for path in files)


def test_another_users_analysis_is_a_404(client, user, other_user):
    analysis = make_analysis(other_user)
    client.force_login(user)
    assert client.post(f"/analyses/{analysis.pk}/delete/").status_code == 404
    assert Analysis.objects.filter(pk=analysis.pk).exists()


def test_anonymous_visitors_are_redirected(client, user):
    analysis = make_analysis(user)
    assert client.post(f"/analyses/{analysis.pk}/delete/").status_code == 302
    assert Analysis.objects.filter(pk=analysis.pk).exists()


def test_a_put_is_not_allowed(client, user):
    analysis = make_analysis(user)
    client.force_login(user)
    assert client.put(f"/analyses/{analysis.pk}/delete/").status_code == 405
