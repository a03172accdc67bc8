"""Celery tasks: thin wrappers that call services. Routed to the "analysis" queue in settings."""

from celery import shared_task

from . import services


@shared_task(name="detector.tasks.analyze")
def analyze(analysis_id):
    services.run(analysis_id)


@shared_task(name="detector.tasks.send_webhook", bind=True, max_retries=5)
def send_webhook(self, analysis_id):
    from . import webhooks

    webhooks.deliver(self, analysis_id)
