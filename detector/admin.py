"""Admin registrations live in modules named for what they hold; importing them registers them."""

from . import admin_models, admin_review  # noqa: F401
