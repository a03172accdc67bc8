"""The admin site, under the site's name, with the site's log-in throttle on its log-in page (it was a way
around it).

Installed as the default admin site (`deepfake_site.apps.AdminConfig` in INSTALLED_APPS), so every
`admin.register` in the project lands here.
"""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required

from accounts.forms import ThrottledAdminLoginForm


class DeepTraceAdminSite(admin.AdminSite):
    login_form = ThrottledAdminLoginForm
    # The site's own name (and, in templates/admin/base_site.html, its colours and a way back to it).
    site_header = "DeepTrace staff"
    site_title = "DeepTrace staff"
    index_title = "Reviews, models and accounts"
    site_url = "/"

    @login_not_required  # as AdminSite.login is: reachable under LoginRequiredMiddleware
    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if getattr(form, "throttled", False):
            response.status_code = 429  # the form says why, in a sentence, as the site's log-in does
        return response
