"""Handing analyses to the broker so that none is lost: send after commit, sweep what was not taken.

An analysis is committed as "queued" first and sent to the broker after the commit. When the broker is
down the send fails, the upload still succeeds, and `enqueued_at` stays empty; the sweeper (Celery beat,
and once at each worker start) sends it again once the broker is back. Sending twice is harmless: the
worker's conditional claim (`detector.jobs.claim`) lets one delivery run it.
"""

import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import jobs
from .models import Analysis, ModelVersion

log = logging.getLogger(__name__)

ANALYZE_TASK = "detector.tasks.analyze"  # by name: this module is imported by tasks, not the other way


def send(analysis_id):
    """Send one analysis to the worker queue; False (logged) when the broker cannot take it."""
    try:
        current_app.send_task(ANALYZE_TASK, args=[analysis_id])
    except Exception as error:  # kombu raises several types for "broker unreachable"
        log.warning("Analysis %s stays queued: the broker is unreachable (%s); the sweeper will send it",
                    analysis_id, error)
        return False
    Analysis.objects.filter(pk=analysis_id).update(enqueued_at=timezone.now())
    return True


def unsent():
    """Analyses that need a message: never sent, sent so long ago the message may be lost, or running
    under an expired lease (their worker died) and not re-sent since it expired."""
    lost_before = timezone.now() - timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
    expired_before = jobs.lease_expired_before()
    queued = Q(status=Analysis.Status.QUEUED) & (Q(enqueued_at=None) | Q(enqueued_at__lt=lost_before))
    orphaned = (Q(status=Analysis.Status.RUNNING) & Q(heartbeat_at__lt=expired_before)
                & (Q(enqueued_at=None) | Q(enqueued_at__lt=expired_before)))
    return Analysis.objects.filter(queued | orphaned).order_by("created_at")


def queue_waiting():
    """Turn every analysis waiting for a model into a queued one; returns the ids queued.

    Row by row, each only while it still waits, so an activation and the sweeper never both queue the
    same row (and never reset one a worker has claimed meanwhile). Sending is the caller's: an
    activation sends after its commit, the sweeper's `unsent()` pass picks them up."""
    queued = []
    waiting = Analysis.objects.filter(status=Analysis.Status.WAITING_MODEL).values_list("pk", flat=True)
    for analysis_id in list(waiting):
        fresh = Analysis.clean_slate(Analysis.Status.QUEUED)
        if Analysis.objects.filter(pk=analysis_id, status=Analysis.Status.WAITING_MODEL).update(**fresh):
            queued.append(analysis_id)
    return queued


def release_stranded():
    """Queue the analyses left waiting for a model while one is active; returns how many.

    An activation queues every waiting analysis (services.release_waiting), but an upload whose
    transaction read "no model" just before the activation committed parks itself after that
    release has looked, and nothing else would ever queue it: while a model is active, nothing waits."""
    if ModelVersion.objects.active() is None:
        return 0
    released = len(queue_waiting())
    if released:
        log.warning("Sweeper queued %s analyses left waiting for a model although one is active", released)
    return released


def sweep():
    """Send every analysis that no worker has and no message will bring, after queueing those left
    waiting for a model that is there (`release_stranded`). Returns how many were sent."""
    release_stranded()
    sent = 0
    for analysis_id in unsent().values_list("pk", flat=True)[: settings.DEEPTRACE_SWEEP_BATCH]:
        if not send(analysis_id):
            break  # the broker is still down; the next sweep tries again
        sent += 1
    if sent:
        log.info("Sweeper sent %s analyses to the worker queue", sent)
    return sent
