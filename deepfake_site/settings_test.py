"""Test settings: the real stack (PostgreSQL via DATABASE_URL in `make test`), made fast."""

import os
import tempfile

# A private var/ (media, broker, models) per test session; exported so the Celery worker subprocess
# started by the end-to-end tests sees the same files.
if "DEEPTRACE_VAR_DIR" not in os.environ:  # (setdefault would make a folder in every process)
    os.environ["DEEPTRACE_VAR_DIR"] = tempfile.mkdtemp(prefix="deeptrace-test-")
    # Made here, so the test session removes it when it ends (tests/conftest.py); a folder given in the
    # environment is the caller's and stays.
    os.environ["DEEPTRACE_TEST_VAR_DIR_MADE"] = os.environ["DEEPTRACE_VAR_DIR"]
os.environ.setdefault("DJANGO_DEBUG", "1")

from .settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise warns when it is missing)
# Per-process cache: concurrent test runs on one Redis must not share throttle counters.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Live-server threads must not keep connections open past a request, or the test database cannot be dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
