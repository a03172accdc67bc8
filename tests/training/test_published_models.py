"""Published models: publish_model writes a folder with its SHA-256; install_model --published installs
the newest, verifies the digest, and `make run`'s step installs it on a fresh database."""

import os
import subprocess
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from detector.models import ModelVersion
from ml.training import publishing
from tests.fixtures import REPO


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def shelf(tmp_path, tiny_run, settings):
    settings.DEEPTRACE_PUBLISHED_MODELS = tmp_path / "models"
    run("publish_model", tiny_run["run_dir"], "--name", "tiny-a")
    run("publish_model", tiny_run["run_dir"], "--name", "tiny-b")
    return tmp_path / "models"


@pytest.mark.django_db
def test_a_published_folder_holds_checkpoint_card_plots_and_digest(shelf):
    folder = shelf / "tiny-b"
    assert {"model.pt", "card.json", "model.pt.sha256", "plots"} <= {p.name for p in folder.iterdir()}
    assert publishing.expected_sha256(folder) == publishing.file_sha256(folder / "model.pt")


@pytest.mark.django_db
def test_install_model_published_installs_the_newest(shelf):
    out = run("install_model", "--published")
    assert "Activated tiny-b" in out
    assert ModelVersion.objects.get(is_active=True).name == "tiny-b"
    assert "nothing installed" in run("install_model", "--published", "--if-none-active")


@pytest.mark.django_db
def test_a_checkpoint_whose_digest_differs_is_refused_and_nothing_is_stored(shelf):
    (shelf / "tiny-a" / "model.pt.sha256").write_text("0" * 64 + "  model.pt\n")
    with pytest.raises(CommandError, match="was changed or damaged"):
        run("install_model", str(shelf / "tiny-a"))
    assert not ModelVersion.objects.exists()


@pytest.mark.django_db
def test_no_published_model_says_so_and_installs_nothing(tmp_path, settings):
    settings.DEEPTRACE_PUBLISHED_MODELS = tmp_path / "empty"
    assert "No published model in" in run("install_model", "--published")
    assert not ModelVersion.objects.exists()


def test_make_run_installs_the_newest_published_model_on_a_fresh_database(tiny_run, tmp_path):
    shelf = tmp_path / "models"
    publishing.publish(tiny_run["run_dir"], shelf, "tiny-release")
    env = {**os.environ, "DEEPTRACE_PUBLISHED_MODELS": str(shelf), "DEEPTRACE_VAR_DIR": str(tmp_path / "var"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DJANGO_SETTINGS_MODULE": "deepfake_site.settings"}
    env.pop("REDIS_URL", None)
    done = subprocess.run(["make", "--no-print-directory", "published-model"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Activated tiny-release" in done.stdout
    again = subprocess.run(["make", "--no-print-directory", "published-model"], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=300)
    assert "A model is active already" in again.stdout
