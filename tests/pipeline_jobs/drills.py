"""Helpers for fault drills: upload through the real services, find a worker's pool child, wait."""

import subprocess

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from detector import services, uploads
from detector.models import Analysis
from tests.fixtures import wait_for

LEASE_S = 4  # the drills' workers give up a dead worker's lease after this long


def upload(user, path, frames=10):
    data = SimpleUploadedFile(path.name, path.read_bytes(), content_type="video/mp4")
    checked = uploads.check_upload(data)
    with transaction.atomic():
        video = services.create_video(user, data, checked)
        return services.start_analysis(video, frames)


def wait_until_running(analysis, timeout=120):
    """Wait until the pipeline is past its start (the model is loaded, frames are being read)."""
    return wait_for(lambda: Analysis.objects.filter(pk=analysis.pk, status="running", progress__gte=5).exists(),
                    timeout=timeout, interval=0.05)


def wait_until_finished(analysis, timeout):
    wait_for(lambda: Analysis.objects.get(pk=analysis.pk).is_finished, timeout=timeout)
    return Analysis.objects.get(pk=analysis.pk)


def pool_children(worker):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(worker.pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]
