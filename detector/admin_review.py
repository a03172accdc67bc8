"""The staff review queue for analyses the model flagged (fake or uncertain), in the Django admin.

Every staff user is a reviewer: the queue needs no per-model permission, only `is_staff` (the admin
itself is staff-only). A decision is a new Review row (reviewer, time, note); nothing is overwritten,
so the page shows the whole history. Bulk actions and a CSV export work on the selected rows.
"""

import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .models import Analysis, FlaggedAnalysis, FrameResult, Review


@admin.register(Analysis)
class AnalysisAdmin(admin.ModelAdmin):
    """Every analysis, for superusers' housekeeping; reviewing happens in the queue below."""

    list_display = ("id", "video", "status", "verdict", "confidence", "created_at")
    list_filter = ("status", "verdict")
    raw_id_fields = ("video",)


class ConfidenceBandFilter(admin.SimpleListFilter):
    title = "confidence"
    parameter_name = "confidence_band"
    BANDS = {"low": (0, 0.6, "below 60%"), "medium": (0.6, 0.8, "60–80%"),
             "high": (0.8, 0.95, "80–95%"), "very_high": (0.95, 1.01, "95% and above")}

    def lookups(self, request, model_admin):
        return [(key, label) for key, (_, _, label) in self.BANDS.items()]

    def queryset(self, request, queryset):
        if self.value() not in self.BANDS:
            return queryset
        low, high, _ = self.BANDS[self.value()]
        return queryset.filter(confidence__gte=low, confidence__lt=high)


class FlaggedVerdictFilter(admin.SimpleListFilter):
    """Only the verdicts that reach the queue (Analysis.FLAGGED_VERDICTS), not every verdict there is."""

    title = "verdict"
    parameter_name = "verdict__exact"  # the stock filter's name: links made before keep working

    def lookups(self, request, model_admin):
        return [(verdict.value, verdict.label) for verdict in Analysis.FLAGGED_VERDICTS]

    def queryset(self, request, queryset):
        if self.value() in Analysis.FLAGGED_VERDICTS:
            return queryset.filter(verdict=self.value())
        return queryset


class ModelVersionFilter(admin.RelatedOnlyFieldListFilter):
    """The models that decided something in the queue, by name; no empty "-" entry (a removed model's
    analyses are still listed under "All")."""

    include_empty_choice = False

    def has_output(self):  # shown (and applied) for a single model too
        return bool(self.lookup_choices)


class ReviewedFilter(admin.SimpleListFilter):
    title = "reviewed"
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [("no", "Not reviewed yet"), ("yes", "Reviewed")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(latest_decision__isnull=True)
        if self.value() == "yes":
            return queryset.filter(latest_decision__isnull=False)
        return queryset


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=Review.Decision.choices, widget=forms.RadioSelect)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=False,
                           help_text="Why, for the next reviewer. Not shown to the user.")


def record(analyses, reviewer, decision, note=""):
    """Add one decision to each analysis; returns how many."""
    rows = [Review(analysis=a, reviewer=reviewer, decision=decision, note=note) for a in analyses]
    Review.objects.bulk_create(rows)
    return len(rows)


def _bulk(decision, label):
    def action(modeladmin, request, queryset):
        count = record(queryset, request.user, decision, note="Bulk action in the review queue.")
        modeladmin.message_user(request, f"Recorded “{label}” for {count} analyses.", messages.SUCCESS)

    action.__name__ = f"mark_{decision}"
    return admin.action(description=f"Mark selected as: {label}")(action)


@admin.register(FlaggedAnalysis)
class FlaggedAnalysisAdmin(admin.ModelAdmin):
    # What a reviewer needs first, fitting 1280 px; owner, model version and the rest are on the review page.
    list_display = ("thumbnail", "video_name", "verdict_short", "model_says", "latest_decision_label", "created_on")
    list_display_links = ("thumbnail", "video_name")
    list_filter = (FlaggedVerdictFilter, ConfidenceBandFilter, ("model_version", ModelVersionFilter), ReviewedFilter,
                   "created_at")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    search_fields = ("video__original_name", "video__owner__username")
    list_per_page = 50
    actions = [
        _bulk(Review.Decision.CONFIRMED_FAKE, Review.Decision.CONFIRMED_FAKE.label),
        _bulk(Review.Decision.OVERTURNED_REAL, Review.Decision.OVERTURNED_REAL.label),
        _bulk(Review.Decision.ESCALATE, Review.Decision.ESCALATE.label),
        "export_csv",
    ]

    # Reviewing is what staff are for: no per-model permission, but nobody adds or deletes here.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        top_frame = FrameResult.objects.filter(analysis=OuterRef("pk")).order_by("-fake_probability", "pk")
        latest = Review.objects.filter(analysis=OuterRef("pk")).order_by("-created_at", "-pk")
        return (
            Analysis.objects.flagged()
            .select_related("video__owner", "model_version")
            .annotate(top_frame_id=Subquery(top_frame.values("pk")[:1]),
                      top_frame_heatmap=Subquery(top_frame.values("heatmap")[:1]),
                      latest_decision=Subquery(latest.values("decision")[:1]))
        )

    @admin.display(description="Face")
    def thumbnail(self, analysis):
        if not analysis.top_frame_id:
            return "—"
        url = reverse("detector:crop", args=[analysis.top_frame_id])
        crop = format_html('<img src="{}" width="56" height="56" alt="Top-scoring face" style="border-radius:4px">', url)
        if not analysis.top_frame_heatmap:
            return crop
        url = reverse("detector:heatmap", args=[analysis.top_frame_id])
        return format_html('{} <img src="{}" width="56" height="56" alt="Where the model looked in it" '
                           'style="border-radius:4px">', crop, url)

    @admin.display(description="Video", ordering="video__original_name")
    def video_name(self, analysis):
        # Cut to one line by the queue's stylesheet; the whole name on hover, and on the review page a tap opens.
        name = analysis.video.original_name
        return format_html('<span class="video-name" title="{}">{}</span>', name, name)

    @admin.display(description="Owner", ordering="video__owner__username")
    def owner(self, analysis):
        return analysis.video.owner

    @admin.display(description="Verdict", ordering="verdict")
    def verdict_short(self, analysis):
        confidence = "" if analysis.confidence is None else f" · {analysis.confidence:.0%}"
        return f"{analysis.get_verdict_display()}{confidence}"

    @admin.display(description="Model", ordering="model_version__name")
    def model_says(self, analysis):
        return analysis.model_version.name if analysis.model_version else "—"

    @admin.display(description="Uploaded", ordering="created_at")
    def created_on(self, analysis):
        return f"{analysis.created_at:%d %b %Y}"

    @admin.display(description="Staff decision", ordering="latest_decision")
    def latest_decision_label(self, analysis):
        return Review.Decision(analysis.latest_decision).label if analysis.latest_decision else "Not reviewed"

    @admin.action(description="Export selected as CSV")
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="review-queue-{timezone.now():%Y%m%d-%H%M}.csv"'
        writer = csv.writer(response)
        writer.writerow(["analysis_id", "video", "owner", "verdict", "confidence", "fake_probability",
                         "model_version", "latest_decision", "created_at"])
        for a in queryset.order_by("-created_at"):
            writer.writerow([a.pk, a.video.original_name, a.video.owner.get_username(), a.verdict, a.confidence,
                             a.fake_probability, a.model_version.name if a.model_version else "",
                             a.latest_decision or "", a.created_at.isoformat()])
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The review page: the evidence, the history, and a form that adds a decision."""
        analysis = self.get_object(request, unquote(object_id))
        if analysis is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form = ReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            record([analysis], request.user, form.cleaned_data["decision"], form.cleaned_data["note"])
            label = Review.Decision(form.cleaned_data["decision"]).label
            self.message_user(request, f"Recorded “{label}” for analysis {analysis.pk}.", messages.SUCCESS)
            return redirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Review analysis {analysis.pk}",
            "analysis": analysis,
            "frames": analysis.frames.all(),
            "reviews": analysis.reviews.select_related("reviewer"),
            "form": form,
        }
        return TemplateResponse(request, "admin/detector/flaggedanalysis/review.html", context)
