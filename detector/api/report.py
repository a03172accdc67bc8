"""The take-away report in the API: GET analyses/{id}/report.json and report.pdf (detector.reports).

A file of its own, beside views.py, with its own two routes; the serializers below only describe the
JSON report for the OpenAPI document (component "AnalysisReport"): the report itself is built once,
in detector.reports, for the web page and the API alike.
"""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from detector import reports
from detector.models import Analysis

from .errors import Conflict
from .serializers import (
    ErrorSerializer,
    ModelQualitySerializer,
    ProvenanceSerializer,
    TrackSerializer,
)
from .throttles import API_THROTTLES


class ReportAnalysisSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    analysed_at = serializers.DateTimeField(allow_null=True)
    processing_seconds = serializers.FloatField(allow_null=True)


class ReportVideoSerializer(serializers.Serializer):
    file_name = serializers.CharField()
    size_bytes = serializers.IntegerField()
    sha256 = serializers.CharField()
    duration_s = serializers.FloatField(allow_null=True)
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)


class ReportModelSerializer(serializers.Serializer):
    name = serializers.CharField()
    backbone = serializers.CharField()
    checkpoint_sha256 = serializers.CharField()
    untrained = serializers.BooleanField()
    quality = ModelQualitySerializer(allow_null=True, help_text="From the model card; null when never measured.")


class ReportResultSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(Analysis.Verdict.choices)
    verdict_label = serializers.CharField()
    confidence = serializers.FloatField(allow_null=True)
    fake_probability = serializers.FloatField(allow_null=True)
    threshold = serializers.FloatField(help_text="The threshold the verdict was decided with.")
    uncertain_band = serializers.FloatField()
    frames_requested = serializers.IntegerField()
    frames_analysed = serializers.IntegerField(allow_null=True)
    faces_found = serializers.IntegerField(allow_null=True)


class ReportFrameSerializer(serializers.Serializer):
    track = serializers.IntegerField()
    frame_index = serializers.IntegerField()
    timestamp_s = serializers.FloatField()
    fake_probability = serializers.FloatField()
    band = serializers.ChoiceField(["real", "uncertain", "fake"])
    crop_url = serializers.CharField(allow_null=True, help_text="The crop's absolute URL under the site's address "
                                     "(DEEPTRACE_SITE_URL); null when that is not set (see crops_note).")
    heatmap_url = serializers.CharField(allow_null=True, help_text="Where the model looked for this crop's score "
                                        "(the crop with a heatmap over it); null for crops without one.")


class ReportReviewSerializer(serializers.Serializer):
    decision = serializers.CharField()
    decision_label = serializers.CharField()
    reviewed_at = serializers.DateTimeField()


class AnalysisReportSerializer(serializers.Serializer):
    report_version = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    analysis = ReportAnalysisSerializer()
    video = ReportVideoSerializer()
    model = ReportModelSerializer(allow_null=True)
    result = ReportResultSerializer()
    tracks = TrackSerializer(many=True)
    frames = ReportFrameSerializer(many=True, help_text="Every scored face crop: the per-frame chart.")
    review = ReportReviewSerializer(allow_null=True)
    crops_note = serializers.CharField(allow_null=True, help_text="Where the face crops are when the report cannot "
                                       "link to them (the site's address is not set); null when it links to them.")
    provenance = ProvenanceSerializer(allow_null=True, help_text="Content Credentials and the file's own metadata, "
                                      "as in the analysis detail; null when never read.")

    class Meta:
        ref_name = "AnalysisReport"


ERRORS = {code: OpenApiResponse(ErrorSerializer, description=text) for code, text in (
    (401, "Not authenticated, or the token is invalid or revoked."), (404, "No such analysis among yours."),
    (409, "The analysis has not finished."), (429, "Too many requests."))}


class _ReportView(APIView):
    throttle_classes = API_THROTTLES
    fmt = ""

    def get(self, request, pk):
        analysis = get_object_or_404(Analysis.objects.filter(video__owner=request.user).select_related(
            "video", "model_version"), pk=pk)
        if not reports.is_ready(analysis):
            raise Conflict("The report is ready once the analysis is done.", code="not_ready")
        return reports.download(analysis, self.fmt)


class ReportJsonView(_ReportView):
    fmt = "json"

    @extend_schema(summary="The analysis report as JSON", responses={200: AnalysisReportSerializer, **ERRORS})
    def get(self, request, pk):
        return super().get(request, pk)


class ReportPdfView(_ReportView):
    fmt = "pdf"

    @extend_schema(summary="The analysis report as PDF",
                   responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY), **ERRORS})
    def get(self, request, pk):
        return super().get(request, pk)


urlpatterns = [  # included by detector/api/urls.py
    path("analyses/<int:pk>/report.json", ReportJsonView.as_view(), name="analysis-report-json"),
    path("analyses/<int:pk>/report.pdf", ReportPdfView.as_view(), name="analysis-report-pdf"),
]
