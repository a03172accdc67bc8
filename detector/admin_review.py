"""The staff review queue for analyses the model flagged (fake or uncertain)."""

from django.contrib import admin

from .models import Analysis


@admin.register(Analysis)
class AnalysisAdmin(admin.ModelAdmin):
    list_display = ("id", "video", "status", "verdict", "confidence", "created_at")
    list_filter = ("status", "verdict")
