"""Celery tasks: thin wrappers that call detector.jobs / dispatch and enqueue what follows.

Routed in settings: analyses to the "analysis" queue, webhooks, the sweeper and the retention purge
to "default"; Celery beat sends the last two on their intervals.
"""

from celery import shared_task
from django.conf import settings

from . import dispatch, jobs, retention, webhooks
from .models import Analysis


@shared_task(name="detector.tasks.analyze", bind=True, max_retries=None)
def analyze(self, analysis_id):
    # The fairest queued analysis, not always this message's own (detector/fair_queue.py).
    outcome, ran = jobs.run_next(analysis_id)
    if outcome is jobs.Outcome.LEASED:
        # Celery redelivers at once when a pool child dies, before its lease can expire: come back
        # when it has, and take the analysis over unless its worker is alive and renewing it.
        raise self.retry(countdown=jobs.lease_left(analysis_id) + 1)
    if outcome is jobs.Outcome.FINISHED and Analysis.objects.filter(pk=ran).exclude(webhook_url="").exists():
        send_webhook.delay(ran)


@shared_task(name="detector.tasks.send_webhook", bind=True, max_retries=5)
def send_webhook(self, analysis_id):
    webhooks.deliver(self, analysis_id)


@shared_task(name="detector.tasks.sweep")
def sweep():
    return dispatch.sweep()


@shared_task(name="detector.tasks.purge_videos")
def purge_videos():
    """Delete the video files past DEEPTRACE_VIDEO_RETENTION_DAYS (as `manage.py purge_videos` does)."""
    count, _size = retention.purge_videos(settings.DEEPTRACE_VIDEO_RETENTION_DAYS)
    return count
