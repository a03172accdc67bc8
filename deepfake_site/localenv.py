"""The local development configuration of a checkout: a `.env` file beside manage.py.

`make run` writes it on first start (a generated secret key, DEBUG on); manage.py and the `make`
targets read it, so every command the README prints works as printed. It is never committed
(.gitignore), and a variable already set in the environment always wins over the file.

Standard library only: the Makefile runs this file with the system Python before the venv exists.
"""

import os
import secrets
import sys
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parent.parent / ".env"
ENV_FILE_VARIABLE = "DEEPTRACE_ENV_FILE"  # another file than ./.env (tests, a second checkout)


def env_file():
    return Path(os.environ.get(ENV_FILE_VARIABLE) or DEFAULT_PATH)


def write_if_missing(path):
    """Create a development .env at `path`; an existing one is left alone. Returns True if written."""
    path = Path(path)
    if path.exists():
        return False
    path.write_text(
        "# Local development settings, written by `make run`. Never commit this file.\n"
        "# Variables set in the environment win over these.\n"
        "DJANGO_DEBUG=1\n"
        f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}\n"  # URL-safe: no quoting needed in sh or here
    )
    path.chmod(0o600)
    return True


def load(path=None):
    """Put the file's KEY=VALUE lines into os.environ, never overriding what is already set."""
    path = Path(path) if path else env_file()
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip().removeprefix("export ").strip(), value.strip().strip("'\""))


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else env_file()
    if write_if_missing(target):
        print(f"Wrote {target} (development settings: DEBUG on, a new secret key).")
