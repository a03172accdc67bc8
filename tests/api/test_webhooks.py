"""Webhooks: signed POST of the detail JSON, retried with backoff, never to private addresses by default."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from detector import webhooks
from detector.tasks import send_webhook
from tests.fixtures import make_done

pytestmark = pytest.mark.django_db


def serve(status_for):
    """A local HTTP server on 127.0.0.1 answering the n-th POST (1-based) with status_for(n); yields
    (url, [(headers, body) per POST])."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(status_for(len(received)))
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


@pytest.fixture
def receiver():
    """Answers 500 to the first POST and 200 after."""
    yield from serve(lambda n: 500 if n == 1 else 200)


@pytest.fixture
def broken_receiver():
    """Answers 500 to every POST."""
    yield from serve(lambda n: 500)


def test_it_posts_the_signed_detail_and_retries_after_a_500(receiver, user, alice, settings):
    settings.DEEPTRACE_WEBHOOK_ALLOW_PRIVATE = True
    settings.DEEPTRACE_WEBHOOK_SECRET = "s3cret"
    url, received = receiver
    analysis = make_done(user, webhook_url=url)
    result = send_webhook.apply(args=[analysis.pk])  # eager: Celery's retry runs again at once
    assert result.successful()
    assert len(received) == 2
    headers, body = received[-1]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-DeepTrace-Signature"], expected)
    assert headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    detail = alice.get(f"/api/v1/analyses/{analysis.pk}/").json()
    assert payload["id"] == analysis.pk and payload["verdict"] == detail["verdict"] == "fake"
    assert payload.keys() == detail.keys()


def test_it_gives_up_after_five_retries(user, settings, broken_receiver):
    settings.DEEPTRACE_WEBHOOK_ALLOW_PRIVATE = True
    url, received = broken_receiver
    result = send_webhook.apply(args=[make_done(user, webhook_url=url).pk])
    assert result.failed() and len(received) == 6  # the first try and five retries, then no more


def test_a_receiver_nobody_listens_on_fails_the_delivery(user, settings):
    settings.DEEPTRACE_WEBHOOK_ALLOW_PRIVATE = True
    analysis = make_done(user, webhook_url="http://127.0.0.1:9/closed")  # nothing listens on port 9
    assert send_webhook.apply(args=[analysis.pk]).failed()


def test_the_backoff_doubles():
    assert [webhooks.backoff(n) for n in range(5)] == [30, 60, 120, 240, 480]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/x", "http://localhost/x", "http://10.1.2.3/x",
                                 "http://192.168.0.1/x", "http://169.254.169.254/latest", "http://[::1]/x",
                                 "http://0.0.0.0/x", "http://240.0.0.1/x", "ftp://example.com/x"])
def test_it_refuses_private_and_odd_addresses(url):
    with pytest.raises(webhooks.WebhookRefused):
        webhooks.check_url(url)


def test_it_refuses_a_private_webhook_at_submission(alice, clips):
    with open(clips["face"], "rb") as handle:
        response = alice.post("/api/v1/analyses/", {"video": handle, "webhook_url": "http://127.0.0.1/hook"},
                              format="multipart")
    assert response.status_code == 400
    assert "webhook_url" in response.json()["error"]["detail"]
    assert "public addresses" in response.json()["error"]["message"]


def test_it_does_not_send_to_a_private_address_at_delivery(receiver, user):
    url, received = receiver
    analysis = make_done(user, webhook_url=url)  # stored before the setting changed, say
    assert send_webhook.apply(args=[analysis.pk]).successful()
    assert received == []


def test_a_duplicate_of_an_analysis_in_progress_takes_its_webhook(alice, user, clips, settings, active_model):
    """The same file sent again, now with a webhook, while the first run is still queued: the answer is
    the earlier analysis, which now carries that webhook, the one the worker posts to when the analysis
    ends (the delivery itself: the tests above). The URL was dropped before."""
    from detector.models import Analysis

    settings.DEEPTRACE_WEBHOOK_ALLOW_PRIVATE = True
    with open(clips["face"], "rb") as handle:
        first = alice.post("/api/v1/analyses/", {"video": handle}, format="multipart")
    assert first.status_code == 202 and first.json()["status"] == "queued"
    with open(clips["face"], "rb") as handle:
        again = alice.post("/api/v1/analyses/", {"video": handle, "webhook_url": "http://127.0.0.1:9/hook"},
                           format="multipart")
    assert again.status_code == 200 and again.json()["duplicate"] and again.json()["id"] == first.json()["id"]
    assert Analysis.objects.get(pk=first.json()["id"]).webhook_url == "http://127.0.0.1:9/hook"


def test_a_duplicate_keeps_the_webhook_it_has_and_a_finished_one_takes_none(user):
    from detector import services
    from tests.fixtures import make_analysis

    running = make_analysis(user, status="running", webhook_url="https://first.example/hook")
    assert services.answered_by(running, "https://second.example/hook").webhook_url == "https://first.example/hook"
    done = make_done(user)
    services.answered_by(done, "https://second.example/hook")
    done.refresh_from_db()
    assert done.webhook_url == ""
