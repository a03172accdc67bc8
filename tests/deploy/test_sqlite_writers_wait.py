"""On `make run`'s SQLite, a web request that locks a row and then writes waits for the worker's write
instead of failing with "database is locked" (transactions begin IMMEDIATE: settings.DATABASES)."""

import os
import subprocess
import sys

from tests.fixtures import REPO


def test_a_locked_read_then_write_beside_a_worker_write_succeeds(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_", "REDIS_URL"))}
    env.update(DJANGO_DEBUG="1", DEEPTRACE_VAR_DIR=str(tmp_path), DEEPTRACE_ENV_FILE=str(tmp_path / ".env"))
    result = subprocess.run([sys.executable, "tests/deploy/sqlite_writers.py"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.stdout.split("\n")[:2] == ["ok", "worker wrote"], result.stdout + result.stderr
