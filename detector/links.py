"""Absolute URLs for what the site hands out: API answers, webhook bodies, reports."""

from django.conf import settings


def absolute(request, path):
    """`path` on the host the client called; outside a request, under SITE_URL (site-relative if unset)."""
    if request is not None:
        return request.build_absolute_uri(path)
    return f"{settings.SITE_URL}{path}"
