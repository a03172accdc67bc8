"""A client generated from /api/schema/ works: it uploads a clip, polls it to done, reads the verdict and a crop.

openapi-python-client (pinned in requirements-dev.txt) generates the package from the live schema exactly
as docs/api.md tells a client developer to; a real Celery worker analyses the upload.
"""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.models import ApiToken
from detector.models import Analysis
from tests.fixtures import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BIN = Path(sys.executable).parent  # the generator runs ruff from PATH to tidy what it writes


@pytest.fixture
def deeptrace_client(live_server, tmp_path, monkeypatch):
    """The package generated from the live server's schema, importable as `deeptrace_client`."""
    command = [str(BIN / "openapi-python-client"), "generate", "--url", f"{live_server.url}/api/schema/",
               "--meta", "none", "--output-path", str(tmp_path / "deeptrace_client")]
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path)}
    generated = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("deeptrace_client")
    for name in [name for name in sys.modules if name.split(".")[0] == "deeptrace_client"]:
        del sys.modules[name]


def _api(name):
    return importlib.import_module(f"deeptrace_client.api.v1.{name}")


def test_a_generated_client_uploads_polls_and_reads_the_verdict_and_a_crop(
        deeptrace_client, live_server, user, active_model, celery_worker, clips):
    from deeptrace_client.models import AnalysisCreateRequest, VerdictEnum
    from deeptrace_client.types import File

    _, raw = ApiToken.issue(user, "generated client")
    client = deeptrace_client.AuthenticatedClient(base_url=live_server.url, token=raw, prefix="Token")
    with open(clips["face"], "rb") as handle:
        body = AnalysisCreateRequest(video=File(payload=handle, file_name="face.mp4", mime_type="video/mp4"), frames=10)
        accepted = _api("v1_analyses_create").sync_detailed(client=client, body=body)
    assert accepted.status_code == 202, accepted.content
    analysis_id = accepted.parsed.id

    def finished():
        status = _api("v1_analyses_status_retrieve").sync(id=analysis_id, client=client)
        return status.finished and status

    assert wait_for(finished, timeout=180, interval=1).status == "done"
    detail = _api("v1_analyses_retrieve").sync(id=analysis_id, client=client)
    assert isinstance(detail.verdict, VerdictEnum) and detail.model_version == active_model.name
    frame = detail.frames[0]
    crop = _api("v1_analyses_frames_crop_jpg_retrieve").sync_detailed(id=analysis_id, frame_id=frame.id, client=client)
    assert crop.status_code == 200 and crop.content[:2] == b"\xff\xd8"  # JPEG: the generator hands back raw bytes

    stored = Analysis.objects.select_related("video").get(pk=analysis_id)
    assert stored.video.owner == user and stored.video.original_name == "face.mp4"
    assert stored.verdict == detail.verdict.value and stored.frames.filter(pk=frame.id).exists()
