from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin, with `deepfake_site.admin.DeepTraceAdminSite` as its default site."""

    default_site = "deepfake_site.admin.DeepTraceAdminSite"
