from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .health import healthz, readyz


def favicon(request):
    """/favicon.ico to the icon's static URL, resolved per request: with the manifest storage of
    production the URL names a file `collectstatic` writes, and resolving it when this module is
    imported would break every management command before then (`check --deploy` on a fresh clone)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    # Browsers ask for /favicon.ico on pages without an icon link (the admin, the API docs).
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("detector.api.urls", namespace="api")),
    path("", include("detector.urls")),
]
