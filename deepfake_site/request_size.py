"""Refuse an oversized request from its Content-Length, before a byte of the body is read.

Without this Django streams the whole body to a temporary file first and only then does the upload
check answer 413: a multi-gigabyte body could fill the disk. nginx (docker-compose) enforces the same
limit in front; this holds where the app is reached directly.
"""

from django.conf import settings
from django.http import JsonResponse

# Room for the multipart envelope and the form's other fields around a file at the limit.
ENVELOPE_BYTES = 1024 * 1024


def max_request_bytes():
    return int(settings.DEEPTRACE_MAX_UPLOAD_MB * 1024 * 1024) + ENVELOPE_BYTES


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_request_bytes():
            limit = settings.DEEPTRACE_MAX_UPLOAD_MB
            message = f"The file is larger than the {limit} MB limit."
            # The server closes the connection after the answer (the unread body is never parsed).
            return JsonResponse({"error": {"code": "file_too_large", "message": message}}, status=413)
        return self.get_response(request)
