"""The quick start's commands work exactly as the README prints them, in a fresh environment.

A fresh environment: no DJANGO_* variables, SQLite and a filesystem broker in a temporary folder,
and the `.env` that `make run` writes on first start (`deepfake_site/localenv.py`).
"""

import re
import shlex
import sqlite3
import subprocess
import sys

from tests.fixtures import REPO


def readme_commands():
    """The `manage.py` lines of the README's quick start, comments removed."""
    readme = (REPO / "README.md").read_text()
    block = re.search(r"```sh\n(.*?manage\.py install_model --random.*?)```", readme, re.S).group(1)
    lines = [line.split("#")[0].strip() for line in block.splitlines()]
    return [line for line in lines if line.startswith(".venv/bin/python manage.py") and "path/to" not in line]


def run(command, env):
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_the_readmes_next_commands_run_as_printed_after_make_run(tmp_path):
    env_file = tmp_path / ".env"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DEEPTRACE_ENV_FILE": str(env_file),
           "DEEPTRACE_VAR_DIR": str(tmp_path / "var"),
           # createsuperuser asks on a terminal; these answer it the way a person would.
           "DJANGO_SUPERUSER_USERNAME": "admin", "DJANGO_SUPERUSER_EMAIL": "admin@example.com",
           "DJANGO_SUPERUSER_PASSWORD": "a long admin password 42"}
    # What `make run` does first: write the development .env, migrate.
    assert run([sys.executable, "deepfake_site/localenv.py", str(env_file)], env).returncode == 0
    assert "DJANGO_SECRET_KEY=" in env_file.read_text()
    assert run([".venv/bin/python", "manage.py", "migrate", "--noinput"], env).returncode == 0

    commands = readme_commands()
    assert [c.split()[2] for c in commands] == ["install_model", "createsuperuser"]
    for command in commands:
        argv = shlex.split(command) + (["--noinput"] if "createsuperuser" in command else [])
        done = run(argv, env)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        assert "ImproperlyConfigured" not in done.stderr

    db = sqlite3.connect(tmp_path / "var" / "db.sqlite3")
    assert db.execute("SELECT name FROM detector_modelversion WHERE is_active").fetchall() == [("random-untrained",)]
    assert db.execute("SELECT username FROM auth_user WHERE is_superuser").fetchall() == [("admin",)]


def test_the_environment_wins_over_the_env_file(tmp_path, monkeypatch):
    from deepfake_site import localenv

    env_file = tmp_path / ".env"
    assert localenv.write_if_missing(env_file) and not localenv.write_if_missing(env_file)
    environ = {"DJANGO_DEBUG": "0"}
    monkeypatch.setattr(localenv.os, "environ", environ)  # never leak the file into this test session
    localenv.load(env_file)
    assert environ["DJANGO_DEBUG"] == "0" and len(environ["DJANGO_SECRET_KEY"]) > 40
