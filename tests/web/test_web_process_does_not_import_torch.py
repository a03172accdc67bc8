"""A web process never imports torch (about 1 GB per gunicorn worker): ml's torch modules load lazily."""

import os
import subprocess
import sys

from tests.fixtures import REPO

SCRIPT = """
import sys, django
django.setup()
from django.test import Client
import deepfake_site.urls, detector.api.urls, detector.admin, detector.tasks  # everything a request can reach
page = Client().get("/accounts/login/")
assert page.status_code == 200, page.status_code
print(sorted(name for name in sys.modules if name == "torch" or name.startswith("torch.")))
"""


def test_setup_urls_admin_and_a_page_render_leave_torch_unimported():
    env = {"DJANGO_SETTINGS_MODULE": "deepfake_site.settings_test", "DJANGO_ALLOWED_HOSTS": "testserver"}
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, **env}, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
