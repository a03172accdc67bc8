"""One JSON error shape for the whole API: {"error": {"code": ..., "message": ..., "detail": ...}}."""

from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    code = getattr(exc, "default_code", "error")
    if hasattr(exc, "get_codes"):
        codes = exc.get_codes()
        if isinstance(codes, str):
            code = codes
    message = detail.get("detail") if isinstance(detail, dict) and "detail" in detail else str(exc)
    response.data = {"error": {"code": code, "message": str(message), "detail": detail}}
    return response
