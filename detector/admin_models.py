"""Model versions in the admin: the model card (data, split, init, metrics, plots, threshold), activation."""

from django.contrib import admin

from .models import ModelVersion


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "backbone", "is_active", "threshold", "created_at")
    list_filter = ("is_active", "backbone")
    readonly_fields = ("checkpoint_sha256", "created_at")
