"""Content-Security-Policy: the policy from settings.DEEPTRACE_CSP on every response, with a nonce.

Scripts come only from our static files (no inline script anywhere); the few inline <style> blocks
(the evidence partial, admin pages, the API docs) carry `nonce="{{ csp_nonce }}"`. A fresh nonce per
response: the header needs it whether or not a template is rendered, so it is made up front.
"""

import secrets

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        header = "Content-Security-Policy-Report-Only" if settings.DEEPTRACE_CSP_REPORT_ONLY else "Content-Security-Policy"
        if settings.DEEPTRACE_CSP and header not in response:
            response[header] = settings.DEEPTRACE_CSP.replace("{nonce}", request.csp_nonce)
        return response


def nonce(request):
    """Template context: {{ csp_nonce }}."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
