"""Health endpoints for load balancers and compose.

/healthz is liveness: the process answers (and its database), nothing more, so a broker outage never
gets web processes restarted. /readyz is readiness: database and broker reported separately, 503
when either is down, so an operator sees which one.
"""

from django.db import connection
from django.http import JsonResponse

BROKER_TIMEOUT_S = 2


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def readyz(request):
    checks = {"database": _database(), "broker": _broker()}
    ready = all(state == "ok" for state in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503)


def _database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return "unavailable"
    return "ok"


def _broker():
    from deepfake_site.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_S)
    except Exception:
        return "unavailable"
    return "ok"
