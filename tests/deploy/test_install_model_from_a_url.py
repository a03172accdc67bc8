"""install_model --url: a published model fetched over HTTP is installed only when complete and verified."""

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from detector.models import ModelVersion

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def model_bytes(tmp_path_factory):
    from ml.model import checkpoint

    detector = checkpoint.random_detector(checkpoint.ModelConfig(backbone="efficientnet_lite0", lstm_hidden=16))
    path = checkpoint.save_checkpoint(
        tmp_path_factory.mktemp("published") / "model.pt", detector.model, detector.config,
        preprocessing=detector.preprocessing, metrics={}, provenance={"backbone_init": "random"},
        threshold=0.4, uncertain_band=0.05)
    return path.read_bytes()


@pytest.fixture
def server(model_bytes):
    """A local HTTP server: /model.pt whole, /cut.pt promising the whole file and closing halfway."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path not in ("/model.pt", "/cut.pt"):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(model_bytes)))
            self.end_headers()
            self.wfile.write(model_bytes if self.path == "/model.pt" else model_bytes[: len(model_bytes) // 2])
            self.close_connection = True

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def model_dir(settings, tmp_path):
    settings.DEEPTRACE_MODEL_DIR = tmp_path / "models"
    return settings.DEEPTRACE_MODEL_DIR


def digest(data):
    return hashlib.sha256(data).hexdigest()


def stored_files(model_dir):
    return sorted(p.name for p in model_dir.iterdir()) if model_dir.exists() else []


def test_a_model_with_the_right_digest_is_downloaded_registered_and_activated(server, model_bytes, model_dir):
    call_command("install_model", "--url", f"{server}/model.pt", "--sha256", digest(model_bytes), "--name", "fetched")

    version = ModelVersion.objects.get(name="fetched")
    assert version.is_active and version.checkpoint_sha256 == digest(model_bytes)
    assert version.threshold == pytest.approx(0.4)
    assert stored_files(model_dir) == [f"model-{digest(model_bytes)[:12]}.pt"]


def test_a_wrong_digest_is_refused_and_leaves_nothing(server, model_dir):
    with pytest.raises(CommandError, match="not the expected"):
        call_command("install_model", "--url", f"{server}/model.pt", "--sha256", "0" * 64)
    assert not ModelVersion.objects.exists() and stored_files(model_dir) == []


def test_a_truncated_download_is_refused_and_leaves_nothing(server, model_bytes, model_dir):
    with pytest.raises(CommandError, match="cut short"):
        call_command("install_model", "--url", f"{server}/cut.pt", "--sha256", digest(model_bytes))
    assert not ModelVersion.objects.exists() and stored_files(model_dir) == []


def test_a_download_over_the_size_limit_is_refused(server, model_bytes, model_dir, settings):
    settings.DEEPTRACE_MODEL_MAX_MB = 1
    with pytest.raises(CommandError, match="over the"):
        call_command("install_model", "--url", f"{server}/model.pt", "--sha256", digest(model_bytes))
    assert not ModelVersion.objects.exists() and stored_files(model_dir) == []


def test_a_url_without_a_digest_is_refused_before_anything_is_fetched(server, model_dir):
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("install_model", "--url", f"{server}/model.pt")
    assert stored_files(model_dir) == []


def test_a_missing_file_says_what_the_server_answered(server, model_dir):
    with pytest.raises(CommandError, match="404"):
        call_command("install_model", "--url", f"{server}/nothing.pt", "--sha256", "0" * 64)


def test_make_runs_published_step_installs_the_configured_url(server, model_bytes, model_dir, settings, tmp_path):
    settings.DEEPTRACE_PUBLISHED_MODELS = tmp_path / "no-local-models"
    settings.DEEPTRACE_MODEL_URL, settings.DEEPTRACE_MODEL_SHA256 = f"{server}/model.pt", digest(model_bytes)

    call_command("install_model", "--published", "--if-none-active")

    assert ModelVersion.objects.get(is_active=True).checkpoint_sha256 == digest(model_bytes)
