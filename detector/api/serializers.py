"""What the API reads and writes. The detail shape is also the webhook body (see detector.webhooks)."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from detector import webhook_targets
from detector.links import absolute
from detector.models import Analysis, FrameResult, ModelVersion, Review

REVIEW_LABELS = {Review.Decision.CONFIRMED_FAKE: "fake", Review.Decision.OVERTURNED_REAL: "real"}


class AnalysisCreateSerializer(serializers.Serializer):
    video = serializers.FileField(help_text="The video file (MP4, MOV, WebM, AVI or MKV).")
    frames = serializers.IntegerField(
        required=False,
        min_value=settings.DEEPTRACE_MIN_FRAMES,
        max_value=settings.DEEPTRACE_MAX_FRAMES,
        help_text="How many frames to sample and score (default 20).",
    )
    webhook_url = serializers.URLField(
        required=False, allow_blank=True, max_length=500,
        help_text="Called with a signed POST of the analysis detail when the analysis ends.",
    )
    force = serializers.BooleanField(
        required=False, default=False,
        help_text="Run a fresh analysis even if you already uploaded a file with the same content.",
    )

    def validate_webhook_url(self, value):
        if value:
            try:
                webhook_targets.check_url(value)
            except webhook_targets.WebhookRefused as refusal:
                raise serializers.ValidationError(str(refusal), code="webhook_refused") from None
        return value


class AcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Analysis.Status.choices)
    duplicate = serializers.BooleanField(help_text="True when an earlier analysis of the same file is returned.")
    url = serializers.URLField(help_text="This analysis in the API.")
    status_url = serializers.URLField(help_text="A light status document to poll.")
    result_page = serializers.URLField(help_text="The result page on the web site.")

    @classmethod
    def for_analysis(cls, analysis, request, duplicate=False):
        return cls(
            {
                "id": analysis.pk,
                "status": analysis.status,
                "duplicate": duplicate,
                "url": absolute(request, reverse("api:analysis-detail", args=[analysis.pk])),
                "status_url": absolute(request, reverse("api:analysis-status", args=[analysis.pk])),
                "result_page": absolute(request, reverse("detector:result", args=[analysis.pk])),
            }
        ).data


class StatusSerializer(serializers.ModelSerializer):
    finished = serializers.BooleanField(source="is_finished")

    class Meta:
        model = Analysis
        fields = ["id", "status", "stage", "progress", "finished", "verdict"]


class ErrorInfoSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class TrackSerializer(serializers.Serializer):
    track = serializers.IntegerField()
    fake_probability = serializers.FloatField()
    frames = serializers.IntegerField()


class FrameSerializer(serializers.ModelSerializer):
    box = serializers.ListField(child=serializers.IntegerField(), min_length=4, max_length=4,
                                help_text="x1, y1, x2, y2 in full-resolution pixels.")
    crop_url = serializers.SerializerMethodField()

    class Meta:
        model = FrameResult
        fields = ["id", "track", "frame_index", "timestamp_s", "box", "fake_probability", "crop_url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_crop_url(self, frame):
        path = reverse("api:analysis-crop", args=[frame.analysis_id, frame.pk])
        return absolute(self.context.get("request"), path)


class ReviewSerializer(serializers.ModelSerializer):
    decision_label = serializers.CharField(source="get_decision_display")
    label = serializers.SerializerMethodField(help_text="The label staff gave: real, fake, or null while escalated.")
    source = serializers.SerializerMethodField()
    reviewed_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Review
        fields = ["decision", "decision_label", "label", "source", "reviewed_at"]

    @extend_schema_field(serializers.ChoiceField(choices=["real", "fake"], allow_null=True))
    def get_label(self, review):
        return REVIEW_LABELS.get(review.decision)

    @extend_schema_field(serializers.ChoiceField(choices=["reviewed by staff"]))
    def get_source(self, review):
        return "reviewed by staff"


class VideoSerializer(serializers.Serializer):
    name = serializers.CharField(source="original_name")
    sha256 = serializers.CharField()
    size_bytes = serializers.IntegerField()
    duration_s = serializers.FloatField(allow_null=True)
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)


class AnalysisSummarySerializer(serializers.ModelSerializer):
    video_name = serializers.CharField(source="video.original_name")
    review = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Analysis
        fields = ["id", "status", "verdict", "confidence", "fake_probability", "video_name", "review",
                  "created_at", "finished_at", "url"]

    @extend_schema_field(ReviewSerializer(allow_null=True))
    def get_review(self, analysis):
        latest = _latest_review(analysis)
        return ReviewSerializer(latest).data if latest else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, analysis):
        return absolute(self.context.get("request"), reverse("api:analysis-detail", args=[analysis.pk]))


class ModelQualitySerializer(serializers.Serializer):
    """How well the model did on people it never saw in training, from its card."""

    auc = serializers.FloatField(help_text="Video-level ROC AUC (mean over folds for cross-validation).")
    auc_sd = serializers.FloatField(allow_null=True, required=False, help_text="Its standard deviation over folds; null for one split.")
    protocol = serializers.CharField(required=False, help_text="How it was measured, in a sentence.")
    data = serializers.CharField(required=False, help_text="What it was measured on, in a sentence.")
    videos = serializers.IntegerField(required=False)


class ModelSummarySerializer(serializers.ModelSerializer):
    trained = serializers.SerializerMethodField(help_text="False for an untrained model: its verdicts are meaningless.")
    quality = serializers.SerializerMethodField(help_text="Measured quality on unseen people; null when never measured.")

    class Meta:
        model = ModelVersion
        fields = ["name", "backbone", "trained", "quality"]

    def get_trained(self, model_version) -> bool:
        return not model_version.is_untrained

    @extend_schema_field(ModelQualitySerializer(allow_null=True))
    def get_quality(self, model_version):
        quality = model_version.quality
        return ModelQualitySerializer(quality).data if quality else None


class AnalysisDetailSerializer(AnalysisSummarySerializer):
    video = VideoSerializer()
    error = serializers.SerializerMethodField()
    model_version = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    model = ModelSummarySerializer(source="model_version", read_only=True, allow_null=True,
                                   help_text="The model that decided, and what it is worth.")
    tracks = TrackSerializer(many=True)
    frames = FrameSerializer(many=True)
    result_page = serializers.SerializerMethodField()
    frames_short = serializers.SerializerMethodField(
        help_text="How many of the requested frames could not be read (a short or damaged video); "
                  "0 when all were analysed or the analysis has not finished.")
    frames_note = serializers.SerializerMethodField(
        help_text="A sentence when the verdict rests on fewer frames than requested, else null.")

    class Meta(AnalysisSummarySerializer.Meta):
        fields = [
            "id", "status", "stage", "progress", "verdict", "confidence", "fake_probability",
            "frames_requested", "frames_analysed", "frames_short", "frames_note", "faces_found", "processing_seconds", "error",
            "model_version", "model", "video", "tracks", "frames", "review", "created_at", "started_at",
            "finished_at", "url", "result_page",
        ]

    def get_frames_short(self, analysis) -> int:
        return analysis.frames_short

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_frames_note(self, analysis):
        return analysis.frames_note or None

    @extend_schema_field(ErrorInfoSerializer(allow_null=True))
    def get_error(self, analysis):
        if not analysis.error_code:
            return None
        return {"code": analysis.error_code, "message": analysis.error_message}

    @extend_schema_field(OpenApiTypes.URI)
    def get_result_page(self, analysis):
        return absolute(self.context.get("request"), reverse("detector:result", args=[analysis.pk]))


def _latest_review(analysis):
    # reviews are prefetched by the views; Review.Meta.ordering puts the newest first.
    reviews = list(analysis.reviews.all())
    return reviews[0] if reviews else None


class ModelVersionSerializer(ModelSummarySerializer):
    metrics = serializers.SerializerMethodField(help_text="Headline test metrics of the checkpoint.")

    class Meta:
        model = ModelVersion
        fields = ["name", "backbone", "trained", "quality", "threshold", "uncertain_band", "metrics", "created_at"]

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "number"}})
    def get_metrics(self, model_version):
        # Only the plain numbers ("test.auc" for one level of nesting): curves are for the admin.
        flat = {}
        for key, value in (model_version.metrics or {}).items():
            items = value.items() if isinstance(value, dict) else [("", value)]
            for sub, number in items:
                if isinstance(number, (int, float)) and not isinstance(number, bool):
                    flat[f"{key}.{sub}" if sub else key] = number
        return flat


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable: see the Errors table in docs/api.md.")
    message = serializers.CharField()
    detail = serializers.JSONField(allow_null=True, required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()
