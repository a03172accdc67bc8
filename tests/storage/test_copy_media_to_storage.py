"""`manage.py copy_media_to_storage` moves a local MEDIA_ROOT into the bucket under the same names, so the
rows keep pointing at their files; run again, it copies only what is missing (an interrupted run resumes)."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

FILES = {"videos/2026/12/a.mp4": b"video a", "videos/2026/12/b.webm": b"video bb", "crops/7/0-0.jpg": b"crop",
         "heatmaps/7/0-0.jpg": b"heat"}


def local_media(root):
    for name, body in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(body)
    return root


def copy(root):
    out = io.StringIO()
    call_command("copy_media_to_storage", "--source", str(root), stdout=out)
    return out.getvalue().splitlines()[-1]


def test_local_media_is_copied_once_under_the_same_names(s3_media, s3_server, tmp_path):
    root = local_media(tmp_path / "media")
    assert copy(root) == "Copied 4 files, skipped 0 already stored."
    assert s3_server.keys(s3_media) == sorted(FILES)
    client = s3_server.client()
    assert client.get_object(Bucket=s3_media, Key="videos/2026/12/b.webm")["Body"].read() == b"video bb"
    assert copy(root) == "Copied 0 files, skipped 4 already stored."


def test_an_interrupted_copy_resumes_with_what_is_missing_or_different(s3_media, s3_server, tmp_path):
    root = local_media(tmp_path / "media")
    copy(root)
    client = s3_server.client()
    client.delete_object(Bucket=s3_media, Key="crops/7/0-0.jpg")  # never got there
    client.put_object(Bucket=s3_media, Key="videos/2026/12/a.mp4", Body=b"other")  # not ours
    assert copy(root) == "Copied 2 files, skipped 2 already stored."
    assert client.get_object(Bucket=s3_media, Key="videos/2026/12/a.mp4")["Body"].read() == b"video a"
    assert s3_server.keys(s3_media) == sorted(FILES)


def test_it_refuses_to_copy_the_media_folder_onto_itself(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with pytest.raises(Exception, match="set DEEPTRACE_STORAGE=s3 first"):
        copy(tmp_path)
