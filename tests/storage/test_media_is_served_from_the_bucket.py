"""With media in an S3 bucket (a real SeaweedFS), the media views keep their rules: the owner and staff
get crops and the video (with Range requests for the player), anyone else a 404; the bucket itself is
never shown to a browser."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from detector import retention
from tests.fixtures import make_done, tiny_jpeg

pytestmark = pytest.mark.django_db

CLIP = bytes(range(256)) * 40  # 10 240 bytes, each position telling its own offset


def analysis_in_the_bucket(user):
    analysis = make_done(user)
    video = analysis.video
    video.file.save("clip.mp4", ContentFile(CLIP), save=True)
    return analysis


def test_a_crop_comes_from_the_bucket_to_its_owner_and_staff_only(client, user, other_user, staff_user, s3_media,
                                                                  s3_server):
    frame = analysis_in_the_bucket(user).frames.first()
    assert frame.crop.name in s3_server.keys(s3_media)
    for who, status in ((user, 200), (staff_user, 200), (other_user, 404)):
        client.force_login(who)
        response = client.get(f"/media/crops/{frame.pk}.jpg")
        assert response.status_code == status
    client.force_login(user)
    body = b"".join(client.get(f"/media/crops/{frame.pk}.jpg").streaming_content)
    assert body == tiny_jpeg()


def test_the_player_gets_ranges_of_the_video_from_the_bucket(client, user, s3_media):
    video = analysis_in_the_bucket(user).video
    client.force_login(user)
    whole = client.get(f"/media/videos/{video.pk}")
    assert whole.status_code == 200 and whole["Content-Length"] == str(len(CLIP))
    assert b"".join(whole.streaming_content) == CLIP and whole["Accept-Ranges"] == "bytes"
    for asked, start, end in (("bytes=1000-1999", 1000, 1999), ("bytes=10000-", 10000, 10239), ("bytes=-40", 10200, 10239)):
        part = client.get(f"/media/videos/{video.pk}", HTTP_RANGE=asked)
        assert part.status_code == 206 and part.content == CLIP[start:end + 1]
        assert part["Content-Range"] == f"bytes {start}-{end}/{len(CLIP)}"
    assert client.get(f"/media/videos/{video.pk}", HTTP_RANGE="bytes=20000-").status_code == 416
    assert "s3" not in whole.get("Location", "") and s3_media not in str(whole.headers)


def test_a_purged_or_missing_object_is_a_404_not_an_error(client, user, s3_media, s3_server):
    analysis = analysis_in_the_bucket(user)
    video, frame = analysis.video, analysis.frames.first()
    client.force_login(user)
    default_storage.delete(frame.crop.name)  # gone behind the site's back
    assert client.get(f"/media/crops/{frame.pk}.jpg").status_code == 404
    assert retention.purge_videos(0)[0] == 1
    assert video.file.name not in s3_server.keys(s3_media)
    assert client.get(f"/media/videos/{video.pk}").status_code == 404
