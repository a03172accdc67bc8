"""One JSON error shape for the whole API: {"error": {"code": ..., "message": ..., "detail": ...}}.

`code` is stable and machine-readable (see docs/api.md, "Errors"); `message` is a sentence for people; `detail`
holds field errors or extra data (the wait of a throttled request).
"""

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from detector.uploads import UploadRejected


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state of the object."


class RequestRefused(exceptions.APIException):
    """A request Django refused while the API read its body (DATA_UPLOAD_* limits): its own code."""

    def __init__(self, status_code, code, message):
        super().__init__(message, code)
        self.status_code = status_code


def _refused_body(exc):
    """What Django's request parsing raised (before DRF could make it an APIException), as one."""
    if isinstance(exc, TooManyFieldsSent):
        return RequestRefused(400, "too_many_fields", "The request has too many form fields; send the video and "
                                                      "its options only.")
    if isinstance(exc, TooManyFilesSent):
        return RequestRefused(400, "too_many_files", "The request has too many files; send one video at a time.")
    if isinstance(exc, RequestDataTooBig):
        return RequestRefused(413, "request_too_large", "The request's form fields are too large.")
    if isinstance(exc, SuspiciousOperation):
        return RequestRefused(400, "bad_request", "The request could not be read.")
    return exc


def error_body(code, message, detail=None):
    return {"error": {"code": code, "message": message, "detail": detail}}


def exception_handler(exc, context):
    if isinstance(exc, UploadRejected):
        return Response(error_body(exc.code, exc.message), status=exc.status)
    exc = _refused_body(exc)
    # DRF turns Django's own exceptions into these too, but only inside its handler; convert first so
    # the code below sees the exception the response describes.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args[:1])
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args[:1])
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: let Django's 500 handling (and logging) take it
    response.data = error_body(_code(exc), _message(exc, response.data), _detail(exc, response.data))
    return response


def _code(exc):
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"  # field-level codes are in `detail`
    codes = exc.get_codes() if hasattr(exc, "get_codes") else None
    return codes if isinstance(codes, str) else getattr(exc, "default_code", "error")


def _message(exc, data):
    if isinstance(exc, exceptions.ValidationError):
        return "; ".join(_flatten(data)) or "The request is not valid."
    if isinstance(data, dict) and "detail" in data:
        return str(data["detail"])
    return str(exc)


def _detail(exc, data):
    if isinstance(exc, exceptions.ValidationError):
        return data
    if isinstance(exc, exceptions.Throttled):
        return {"wait_seconds": exc.wait}
    return None


def _flatten(data, prefix=""):
    """Field errors as "field: message" sentences, in order."""
    if isinstance(data, dict):
        for key, value in data.items():
            name = "" if key == "non_field_errors" else f"{prefix}{key}"
            yield from _flatten(value, f"{name}." if name else "")
    elif isinstance(data, list):
        for item in data:
            yield from _flatten(item, prefix)
    else:
        yield f"{prefix[:-1]}: {data}" if prefix else str(data)


@csrf_exempt  # nothing here to protect; without it an unsafe method gets Django's HTML CSRF page instead
def not_found(request, *args, **kwargs):
    """A JSON 404 for paths under /api/ that no route matches (Django's own 404 is an HTML page)."""
    return JsonResponse(error_body("not_found", "No API endpoint at this address."), status=404)
