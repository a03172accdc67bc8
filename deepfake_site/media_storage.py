"""The media storage (uploads, crops, heatmaps) from the environment: the local disk, or an S3 bucket.

Every media read and write goes through Django's storage API (detector/media_files.py), so the same
code runs on both; with S3 the web app and workers on other hosts share no disk.
"""

from django.core.exceptions import ImproperlyConfigured

from .env import env_str, env_url

LOCAL = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def from_env():
    """(DEEPTRACE_STORAGE, the STORAGES["default"] entry)."""
    kind = env_str("DEEPTRACE_STORAGE", "local").strip().lower()
    if kind == "local":
        return kind, LOCAL
    if kind == "s3":
        return kind, {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options()}
    raise ImproperlyConfigured(f"DEEPTRACE_STORAGE must be local or s3, got {kind!r}.")


def s3_options():
    endpoint = env_url("DEEPTRACE_S3_ENDPOINT_URL") or None  # unset: AWS itself
    return {
        "bucket_name": env_str("DEEPTRACE_S3_BUCKET"),
        "endpoint_url": endpoint,
        "region_name": env_str("DEEPTRACE_S3_REGION", "") or None,
        # Unset keys leave boto3's own chain (AWS_* variables, an instance or pod role).
        "access_key": env_str("DEEPTRACE_S3_ACCESS_KEY_ID", "") or None,
        "secret_key": env_str("DEEPTRACE_S3_SECRET_ACCESS_KEY", "") or None,
        "location": env_str("DEEPTRACE_S3_PREFIX", ""),
        "addressing_style": "path" if endpoint else None,  # MinIO, SeaweedFS: no bucket subdomains
        "signature_version": "s3v4",
        "default_acl": None,  # private: objects reach a browser only through the owner-checked media views
        # A re-run's crops must never replace files the earlier result still points at (deleted after commit).
        "file_overwrite": False,
        "max_memory_size": 8 * 1024 * 1024,  # an object opened whole spills to a temporary file past this
    }
