#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deepfake_site.settings")
    # A checkout's .env (written by `make run`) makes the README's commands work as printed.
    from deepfake_site import localenv

    localenv.load()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
