"""Model versions in the admin: the model card (data, split, init, metrics, plots, threshold), activation.

The card's plots are PNGs in the training run folder, outside MEDIA_ROOT (media is private anyway),
so a staff-only admin view streams them; it serves only the paths the card itself names.
"""

import mimetypes
from pathlib import Path

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from .registry import activate
from .models import ModelVersion

# The single split's extra figures (a cross-validated model's checkpoint records none of them); the
# headline rows shared by both protocols come from the card's evaluation (_evaluation_rows).
HEADLINE_METRICS = (
    ("test_average_precision", "Average precision"), ("test_eer", "Equal error rate"), ("test_accuracy", "Accuracy"),
    ("test_precision", "Precision"), ("test_recall", "Recall"), ("test_f1", "F1"), ("val_auc", "Validation AUC"),
)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "backbone", "is_active", "test_auc", "threshold", "created_at", "card_link")
    list_filter = ("is_active", "backbone")
    readonly_fields = ("checkpoint_sha256", "created_at", "is_active")
    actions = ["activate_selected"]

    @admin.display(description="held-out AUC")
    def test_auc(self, obj):
        # The card's evaluation: a held-out split's AUC or the fold mean of a cross-validated model (whose
        # checkpoint metrics hold no test_auc).
        auc = (obj.quality or {}).get("auc")
        return f"{auc:.3f}" if isinstance(auc, (int, float)) else "—"

    @admin.display(description="model card")
    def card_link(self, obj):
        return format_html('<a href="{}">card</a>', reverse("admin:detector_modelversion_card", args=[obj.pk]))

    @admin.action(description="Activate the selected model version (deactivates the others)")
    def activate_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one model version to activate.", messages.ERROR)
            return
        version = queryset.get()
        released = activate(version)
        self.message_user(request, f"Activated {version.name} (now the only active model); {released} waiting analyses queued.")

    def get_urls(self):
        urls = [
            path("<path:object_id>/card/", self.admin_site.admin_view(self.card_view), name="detector_modelversion_card"),
            path("<path:object_id>/card/plot/<str:plot>/", self.admin_site.admin_view(self.plot_view),
                 name="detector_modelversion_plot"),
        ]
        return urls + super().get_urls()

    def card_view(self, request, object_id):
        version = get_object_or_404(ModelVersion, pk=unquote(object_id))
        card = version.card or {}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Model card: {version.name}",
            "version": version,
            "card": card,
            "split": card.get("split", {}),
            "metrics_rows": _evaluation_rows(card.get("evaluation") or {}) + _metric_rows(version.metrics or {}),
            "per_method": (version.metrics or {}).get("per_method", {}),
            "per_compression": (version.metrics or {}).get("per_compression", {}),
            "plots": [name for name, p in (card.get("plots") or {}).items() if Path(p).is_file()],
        }
        return TemplateResponse(request, "admin/detector/modelversion/card.html", context)

    def plot_view(self, request, object_id, plot):
        version = get_object_or_404(ModelVersion, pk=unquote(object_id))
        file = (version.card or {}).get("plots", {}).get(plot)
        if not file or Path(file).suffix.lower() != ".png" or not Path(file).is_file():
            raise Http404("No such plot.")
        return FileResponse(open(file, "rb"), content_type=mimetypes.types_map[".png"])


def _evaluation_rows(evaluation: dict) -> list[tuple[str, str]]:
    """The card's measured quality, the same for a held-out split and cross-validation: AUC (the fold
    mean ± sd under CV, then the pooled out-of-fold AUC the interval belongs to), its interval and what
    the bootstrap resampled, balanced accuracy, and the calibration error before and after calibration."""
    rows = []
    if isinstance(evaluation.get("auc"), (int, float)):
        sd = evaluation.get("auc_sd")
        label = "AUC (mean over folds)" if "pooled_auc" in evaluation else "AUC"
        rows.append((label, f"{evaluation['auc']:.3f}" + (f" ± {sd:.3f}" if isinstance(sd, (int, float)) else "")))
    if isinstance(evaluation.get("pooled_auc"), (int, float)):
        rows.append(("Pooled out-of-fold AUC", f"{evaluation['pooled_auc']:.3f}"))
    interval = evaluation.get("auc_ci95")
    if isinstance(interval, (list, tuple)) and len(interval) == 2 and None not in interval:
        unit = evaluation.get("auc_ci95_resamples")
        rows.append(("AUC 95% CI", f"{interval[0]:.3f} – {interval[1]:.3f}" + (f" (resampling {unit})" if unit else "")))
    if isinstance(evaluation.get("balanced_accuracy"), (int, float)):
        rows.append(("Balanced accuracy", f"{evaluation['balanced_accuracy']:.3f}"))
    calibration = evaluation.get("calibration") or {}
    if isinstance(calibration.get("ece_after"), (int, float)):
        before = calibration.get("ece_before")
        rows.append(("Expected calibration error", f"{calibration['ece_after']:.3f}" + (
            f" (before calibration {before:.3f})" if calibration.get("fitted") and isinstance(before, (int, float)) else "")))
    return rows


def _metric_rows(metrics: dict) -> list[tuple[str, str]]:
    rows = []
    for key, label in HEADLINE_METRICS:
        value = metrics.get(key)
        if isinstance(value, (int, float)):
            rows.append((label, f"{value:.3f}"))
    return rows
