"""Refuse an oversized request from its Content-Length, before a byte of the body is read.

Without this Django streams the whole body to a temporary file first and only then does the upload
check answer 413: a multi-gigabyte body could fill the disk. nginx (docker-compose) enforces the same
limit in front; this holds where the app is reached directly.

The answer stays in the caller's contract: the API and the upload page's JavaScript (which asks for
JSON) get the JSON error at once, before the session is even looked up; a plain form post (no
JavaScript) gets the page it posted to again with the sentence, status 413. For that the request goes
on, body unread and marked empty, until its view is known (`process_view`, which runs before the CSRF
check reads a form field): a view with an `oversized_body_page` attribute renders it; any other gets
the sentence as text.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse, QueryDict
from django.utils.datastructures import MultiValueDict

# Room for the multipart envelope and the form's other fields around a file at the limit.
ENVELOPE_BYTES = 1024 * 1024


def max_request_bytes():
    return int(settings.DEEPTRACE_MAX_UPLOAD_MB * 1024 * 1024) + ENVELOPE_BYTES


def too_large_message():
    return f"The file is larger than the {settings.DEEPTRACE_MAX_UPLOAD_MB} MB limit."


def wants_json(request):
    return (request.path.startswith("/api/")
            or request.headers.get("Accept", "").startswith("application/json")
            or request.headers.get("X-Requested-With") == "XMLHttpRequest")


def _too_large(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return length > max_request_bytes()


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _too_large(request):
            # The body is never parsed: the server closes the connection after the answer.
            request._post, request._files = QueryDict(), MultiValueDict()
            if wants_json(request):
                return JsonResponse({"error": {"code": "file_too_large", "message": too_large_message(),
                                               "detail": None}}, status=413)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not _too_large(request):
            return None
        page = getattr(view_func, "oversized_body_page", None)
        response = page(request, too_large_message()) if page is not None else None
        if response is None:
            response = HttpResponse(too_large_message(), status=413, content_type="text/plain; charset=utf-8")
        return response
