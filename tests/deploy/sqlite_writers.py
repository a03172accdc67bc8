"""Run by tests/deploy/test_sqlite_writers_wait.py on the SQLite defaults of `make run`: a web request
that locks a video's row and then writes, while the worker writes to the database in between.
Prints "ok", or the error the web side got."""

import os
import sys
import threading
import time

import django

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deepfake_site.settings")
django.setup()

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction

from detector import retention
from detector.models import Analysis, Video

call_command("migrate", verbosity=0)
owner = User.objects.create(username="writer")
video = Video.objects.create(owner=owner, file="videos/a.mp4", original_name="a.mp4", sha256="c" * 64, size_bytes=3)
analysis = Analysis.objects.create(video=video)
locked = threading.Event()


def worker_writes():  # a heartbeat or progress update from the worker process
    locked.wait(10)
    Analysis.objects.filter(pk=analysis.pk).update(progress=50)
    connection.close()


writer = threading.Thread(target=worker_writes)
writer.start()
try:
    with transaction.atomic():  # as services.submit and retry do
        retention.lock(video.pk)
        locked.set()
        time.sleep(0.5)  # the worker's write comes now
        Analysis.objects.create(video=video)
    print("ok")
except Exception as error:  # noqa: BLE001  (reported to the test, which shows it)
    locked.set()
    print(f"{type(error).__name__}: {error}")
writer.join(30)
print("worker wrote" if Analysis.objects.get(pk=analysis.pk).progress == 50 else "worker's write lost")
