"""`manage.py check --deploy` has nothing to say about the production environment: HTTPS redirect,
HSTS, secure cookies, a strong secret key, hosts set. Run as a deployment runs it: a fresh process."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def production_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEEPTRACE_"))}
    env.update(DJANGO_SETTINGS_MODULE="deepfake_site.settings", DJANGO_DEBUG="0",
               DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="deeptrace.example",
               DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="1", DJANGO_SECURE_HSTS_PRELOAD="1",
               DEEPTRACE_VAR_DIR=str(tmp_path), **extra)
    return env


def manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)


def test_check_deploy_is_clean_with_the_production_environment(tmp_path):
    env = production_env(tmp_path)
    collected = manage(env, "collectstatic", "--noinput", "-v", "0")  # the URLconf names hashed static files
    assert collected.returncode == 0, collected.stderr
    checked = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout


def test_production_settings_come_from_the_environment(tmp_path):
    env = production_env(tmp_path, DJANGO_SECURE_HSTS_SECONDS="600", DJANGO_SECURE_SSL_REDIRECT="off")
    shown = manage(env, "shell", "-c", "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, "
                   "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_PRELOAD)")
    assert shown.stdout.strip().splitlines()[-1].split() == ["600", "False", "True", "True", "True"], shown.stderr


def test_a_bad_value_stops_the_start_with_its_name(tmp_path):
    failed = manage(production_env(tmp_path, DJANGO_SECURE_SSL_REDIRECT="sometimes"), "check")
    assert failed.returncode != 0 and "DJANGO_SECURE_SSL_REDIRECT must be a boolean" in failed.stderr
