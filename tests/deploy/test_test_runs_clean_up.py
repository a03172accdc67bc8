"""A test run removes the private var/ folder it made in the temporary directory, and keeps one it was given."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QUICK = "tests/training/test_cross_validation.py::test_the_paired_difference_is_exact_for_identical_scores_and_signed_for_a_better_one"


def run_pytest(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ("DEEPTRACE_VAR_DIR", "DEEPTRACE_TEST_VAR_DIR_MADE")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", QUICK], cwd=REPO,
                          env={**clean, "TMPDIR": str(tmp_path), **env}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_folder_a_run_made_is_gone_when_it_ends(tmp_path):
    run_pytest(tmp_path)
    assert not list(tmp_path.glob("deeptrace-test-*"))


def test_a_folder_the_caller_gave_stays(tmp_path):
    given = tmp_path / "mine"
    given.mkdir()
    run_pytest(tmp_path, DEEPTRACE_VAR_DIR=str(given))
    assert given.is_dir()
