"""Identical uploads by one user at the same moment give one analysis and one stored file.

The requests really run at once (threads against the live server, each with its own database
connection); the database's unique (owner, sha256) decides, not a look before the insert.
"""

import threading

import pytest
import requests

from accounts.models import ApiToken
from detector.models import Analysis, Video
from tests.media import make_face_clip

pytestmark = pytest.mark.django_db(transaction=True)
TWINS = 6


def post_at_once(url, token, clip, n):
    barrier, answers = threading.Barrier(n), [None] * n
    body = clip.read_bytes()

    def post(i):
        barrier.wait()
        answers[i] = requests.post(url, headers={"Authorization": f"Token {token}"}, timeout=60,
                                   files={"video": ("clip.mp4", body, "video/mp4")}, data={"frames": "10"})

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_identical_concurrent_uploads_yield_one_analysis_and_one_file(live_server, user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    _, token = ApiToken.issue(user, "twins")
    answers = post_at_once(f"{live_server.url}/api/v1/analyses/", token, make_face_clip(tmp_path / "c.mp4"), TWINS)
    assert sorted(a.status_code for a in answers) == [200] * (TWINS - 1) + [202]
    assert sorted(a.json()["duplicate"] for a in answers) == [False] + [True] * (TWINS - 1)
    assert len({a.json()["id"] for a in answers}) == 1
    assert Video.objects.count() == 1 and Analysis.objects.count() == 1
    assert [p.name for p in (tmp_path / "media").rglob("*.mp4")] == [Video.objects.get().file.name.rsplit("/", 1)[-1]]
