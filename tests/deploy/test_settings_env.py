"""Settings come from the environment, strictly: a bad value fails at start with the variable's name."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from deepfake_site.env import env_bool, env_int, env_str, env_url


def test_booleans_are_parsed_strictly(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert env_bool("FLAG") is True
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG")


def test_a_required_secret_without_default_names_the_variable(monkeypatch):
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        env_str("DJANGO_SECRET_KEY")


def test_numbers_are_checked(monkeypatch):
    monkeypatch.setenv("DEEPTRACE_MAX_UPLOAD_MB", "lots")
    with pytest.raises(ImproperlyConfigured, match="DEEPTRACE_MAX_UPLOAD_MB"):
        env_int("DEEPTRACE_MAX_UPLOAD_MB", 200)


@pytest.mark.parametrize("raw", ["deeptrace.example", "ftp://deeptrace.example", "https://", "https://x.example/?a=1"])
def test_a_site_url_must_be_an_http_address(monkeypatch, raw):
    monkeypatch.setenv("DEEPTRACE_SITE_URL", raw)
    with pytest.raises(ImproperlyConfigured, match="DEEPTRACE_SITE_URL"):
        env_url("DEEPTRACE_SITE_URL")


def test_a_site_url_loses_its_trailing_slash(monkeypatch):
    monkeypatch.setenv("DEEPTRACE_SITE_URL", "https://deeptrace.example/")
    assert env_url("DEEPTRACE_SITE_URL") == "https://deeptrace.example"
    monkeypatch.setenv("DEEPTRACE_SITE_URL", "")
    assert env_url("DEEPTRACE_SITE_URL") == ""
