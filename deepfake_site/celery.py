"""The Celery app: configured from Django settings (CELERY_* names), tasks found in each app."""

import logging
import os

from celery import Celery
from celery.signals import beat_embedded_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deepfake_site.settings")

app = Celery("deepfake_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def sweep_at_start(**kwargs):
    """A worker that starts after an outage or a crash sends what is waiting, without waiting for beat."""
    from django.db import connection

    from detector import dispatch

    try:
        dispatch.sweep()
    except Exception:
        logging.getLogger(__name__).warning("The start-up sweep failed; beat will sweep later", exc_info=True)
    finally:
        connection.close()  # never hand the parent's connection to forked pool children


@beat_embedded_init.connect
def stop_beat_with_its_worker(sender=None, **kwargs):
    """`celery worker -B` (make run): the embedded beat must not outlive a worker killed with kill -9."""
    from deepfake_site.beat import stop_with_parent

    stop_with_parent(sender)
