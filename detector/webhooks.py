"""Webhook callbacks: when an analysis ends, POST its API detail JSON to the client's URL.

The body is signed: `X-DeepTrace-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with
DEEPTRACE_WEBHOOK_SECRET. Failed deliveries are retried by Celery with exponential backoff. URLs whose
host resolves to a loopback, private, link-local or reserved address are refused (at submission and
again before each delivery, since DNS can change) unless DEEPTRACE_WEBHOOK_ALLOW_PRIVATE is set.
"""

import hashlib
import hmac
import logging

import requests
from django.conf import settings

from .models import Analysis
from .webhook_targets import WebhookRefused, check_url  # noqa: F401  (re-exported: refused at delivery too)

log = logging.getLogger(__name__)

TIMEOUT_S = 10
BACKOFF_BASE_S = 30  # 30 s, 1, 2, 4, 8 min: five retries span about a quarter of an hour
SIGNATURE_HEADER = "X-DeepTrace-Signature"


class DeliveryFailed(Exception):
    pass


def sign(body):
    secret = settings.DEEPTRACE_WEBHOOK_SECRET.encode()
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def backoff(retries):
    """Seconds to wait before retry number `retries + 1`."""
    return BACKOFF_BASE_S * 2**retries


def payload(analysis):
    """The same JSON as GET /api/v1/analyses/{id}/, its URLs under SITE_URL (there is no request)."""
    from rest_framework.renderers import JSONRenderer

    from .api.serializers import AnalysisDetailSerializer

    return JSONRenderer().render(AnalysisDetailSerializer(analysis).data)


def deliver(task, analysis_id):
    """Body of the send_webhook Celery task: post once, or schedule a retry."""
    analysis = Analysis.objects.select_related("video", "model_version").filter(pk=analysis_id).first()
    if analysis is None or not analysis.webhook_url:
        return
    try:
        check_url(analysis.webhook_url)
    except WebhookRefused as refusal:
        log.warning("Webhook for analysis %s not sent: %s", analysis_id, refusal)
        return  # retrying will not make the address public
    try:
        post(analysis.webhook_url, payload(analysis), delivery_id=task.request.id or "")
    except (requests.RequestException, DeliveryFailed) as error:
        log.info("Webhook for analysis %s failed (%s); retry %s", analysis_id, error, task.request.retries + 1)
        raise task.retry(exc=error, countdown=backoff(task.request.retries))


def post(url, body, delivery_id=""):
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "DeepTrace-Webhook/1",
        SIGNATURE_HEADER: sign(body),
        "X-DeepTrace-Event": "analysis.finished",
        "X-DeepTrace-Delivery": delivery_id,
    }
    # No redirects: a public URL must not bounce the request to a private one.
    response = requests.post(url, data=body, headers=headers, timeout=TIMEOUT_S, allow_redirects=False)
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"HTTP {response.status_code}")
    return response
