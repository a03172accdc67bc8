"""The real thing through the API: a token client uploads a clip, a real worker analyses it."""

import pytest

from tests.fixtures import token_client, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_client_uploads_polls_and_gets_the_verdict_with_crops(user, active_model, celery_worker, clips):
    client = token_client(user)
    with open(clips["face"], "rb") as handle:
        accepted = client.post("/api/v1/analyses/", {"video": handle, "frames": 10}, format="multipart")
    assert accepted.status_code == 202, accepted.content

    def finished():
        body = client.get(accepted.json()["status_url"]).json()
        return body["finished"] and body

    assert wait_for(finished, timeout=180)["status"] == "done"
    detail = client.get(accepted.json()["url"]).json()
    assert detail["verdict"] in ("real", "fake", "uncertain") and detail["model_version"] == active_model.name
    assert detail["frames_analysed"] == 10 and len(detail["frames"]) >= 8
    crop = client.get(detail["frames"][0]["crop_url"])
    assert crop.status_code == 200 and b"".join(crop.streaming_content)[:2] == b"\xff\xd8"
