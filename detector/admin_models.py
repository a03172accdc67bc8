"""Model versions in the admin: the model card (data, split, init, metrics, plots, threshold), activation.

The card's plots are PNGs in the training run folder, outside MEDIA_ROOT (media is private anyway),
so a staff-only admin view streams them; it serves only the paths the card itself names.
"""

import math
import mimetypes
from pathlib import Path

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from .models import ModelVersion
from .registry import activate

# The single split's extra figures (a cross-validated model's checkpoint records none of them); the
# headline rows shared by both protocols come from the card's evaluation (_evaluation_rows).
HEADLINE_METRICS = (
    ("test_average_precision", "Average precision"), ("test_eer", "Equal error rate"), ("test_accuracy", "Accuracy"),
    ("test_precision", "Precision"), ("test_recall", "Recall"), ("test_f1", "F1"), ("val_auc", "Validation AUC"),
)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "backbone", "is_active", "auc", "threshold", "created_at", "card_link")
    list_filter = ("is_active", "backbone")
    readonly_fields = ("checkpoint_sha256", "created_at", "is_active")
    actions = ["activate_selected"]

    @admin.display(description="AUC on unseen people")
    def auc(self, obj):
        # A held-out split's AUC, or a cross-validated model's fold mean (its metrics hold no test_auc).
        auc = _evaluation(obj).get("auc")
        return f"{auc:.3f}" if _finite(auc) else "—"

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
            "metrics_rows": _evaluation_rows(_evaluation(version)) + _metric_rows(version.metrics or {}),
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


def _evaluation(version) -> dict:
    """What the version's card measured (`card.evaluation`), or for a card older than that field the
    same figures rebuilt from its checkpoint metrics (a split's test_*, a cross-validation's cv_*)."""
    if version.quality:  # the model's own reading of its card, as the site's pages show it
        return version.quality
    metrics = version.metrics or {}
    if "cv_auc" in metrics:
        return {"auc": metrics["cv_auc"], "auc_sd": metrics.get("cv_auc_sd"), "pooled_auc": metrics.get("cv_pooled_auc"),
                "balanced_accuracy": metrics.get("cv_balanced_accuracy")}
    return {"auc": metrics.get("test_auc"), "auc_ci95": metrics.get("test_auc_ci95"),
            "balanced_accuracy": metrics.get("test_balanced_accuracy")}


def _finite(value) -> bool:
    # A bootstrap with too few samples, or --bootstrap 0, records NaN: show nothing rather than "nan".
    return isinstance(value, (int, float)) and math.isfinite(value)


def _evaluation_rows(evaluation: dict) -> list[tuple[str, str]]:
    """The card's measured quality, the same for a held-out split and cross-validation."""
    balanced = evaluation.get("balanced_accuracy")
    accuracy = [("Balanced accuracy", f"{balanced:.3f}")] if _finite(balanced) else []
    return (_auc_rows(evaluation) + _interval_rows(evaluation) + _within_group_rows(evaluation) + accuracy
            + _calibration_rows(evaluation))


def _auc_rows(evaluation: dict) -> list[tuple[str, str]]:
    """AUC, under cross-validation the fold mean ± sd and then the pooled out-of-fold AUC."""
    rows = []
    auc, sd, pooled = evaluation.get("auc"), evaluation.get("auc_sd"), evaluation.get("pooled_auc")
    if _finite(auc):
        label = "AUC (mean over folds)" if "pooled_auc" in evaluation else "AUC"
        rows.append((label, f"{auc:.3f}" + (f" ± {sd:.3f}" if _finite(sd) else "")))
    if _finite(pooled):
        rows.append(("Pooled out-of-fold AUC", f"{pooled:.3f}"))
    return rows


def _interval_rows(evaluation: dict) -> list[tuple[str, str]]:
    """The bootstrap interval (of the pooled AUC under cross-validation) and what it resampled."""
    interval = evaluation.get("auc_ci95")
    if not (isinstance(interval, (list, tuple)) and len(interval) == 2 and all(map(_finite, interval))):
        return []
    label = "Pooled AUC 95% CI" if "pooled_auc" in evaluation else "AUC 95% CI"
    unit = evaluation.get("auc_ci95_resamples")
    return [(label, f"{interval[0]:.3f} – {interval[1]:.3f}" + (f" (resampling {unit})" if unit else ""))]


def _within_group_rows(evaluation: dict) -> list[tuple[str, str]]:
    """The AUC over pairs of a real and a fake of the same people: beside the pooled AUC it tells a
    model that misranks a person's own videos from one that puts different people at different levels."""
    auc, pairs = evaluation.get("within_group_auc"), evaluation.get("within_group_pairs")
    if not (_finite(auc) and pairs):
        return []
    return [("AUC within identity groups", f"{auc:.3f} ({pairs} pairs of a real and a fake of the same people)")]


def _calibration_rows(evaluation: dict) -> list[tuple[str, str]]:
    """The expected calibration error of the served probabilities, and before calibration where one was fitted."""
    calibration = evaluation.get("calibration") or {}
    after, before = calibration.get("ece_after"), calibration.get("ece_before")
    if not _finite(after):
        return []
    was = f" (before calibration {before:.3f})" if calibration.get("fitted") and _finite(before) else ""
    return [("Expected calibration error", f"{after:.3f}{was}")]


def _metric_rows(metrics: dict) -> list[tuple[str, str]]:
    rows = []
    for key, label in HEADLINE_METRICS:
        value = metrics.get(key)
        if _finite(value):
            rows.append((label, f"{value:.3f}"))
    return rows
