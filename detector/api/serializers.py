"""What the API reads and writes. The detail shape is also the webhook body (see detector.webhooks)."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from detector import explain, link_targets, webhook_targets
from detector.links import absolute
from detector.models import Analysis, FrameResult, ModelVersion, Review

REVIEW_LABELS = {Review.Decision.CONFIRMED_FAKE: "fake", Review.Decision.OVERTURNED_REAL: "real"}


class AnalysisCreateSerializer(serializers.Serializer):
    video = serializers.FileField(required=False, help_text="The video file (MP4, MOV, WebM, AVI or MKV). Send "
                                  "either this or video_url.")
    video_url = serializers.URLField(
        required=False, max_length=2000,
        help_text="A direct http(s) link to a video file, instead of `video`: the worker downloads it (stage "
                  "`downloading`) under the same limits as an upload, from public addresses only. A link that "
                  "fails, is too large or is not a video fails the analysis with a sentence; it can be retried.",
    )
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

    def validate_video_url(self, value):
        try:
            link_targets.check_link(value)  # again in the worker, at each redirect
        except link_targets.LinkRefused as refusal:
            raise serializers.ValidationError(str(refusal), code="link_refused") from None
        return value

    def validate(self, data):
        if bool(data.get("video")) == bool(data.get("video_url")):
            raise serializers.ValidationError(
                {"video": ["Send a video file (video) or a link to one (video_url), one of the two."]},
                code="required")
        return data


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
    heatmap_url = serializers.SerializerMethodField(
        help_text="Where the model looked for this crop's score: the crop with a heatmap over it (JPEG). Null "
                  "for crops without one: only each face's most suspicious crops get one.")

    class Meta:
        model = FrameResult
        fields = ["id", "track", "frame_index", "timestamp_s", "box", "fake_probability", "crop_url", "heatmap_url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_crop_url(self, frame):
        path = reverse("api:analysis-crop", args=[frame.analysis_id, frame.pk])
        return absolute(self.context.get("request"), path)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_heatmap_url(self, frame):
        if not frame.heatmap:
            return None
        return absolute(self.context.get("request"), reverse("api:analysis-heatmap", args=[frame.analysis_id, frame.pk]))


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


CREDENTIAL_STATUSES = [(status, status) for status in
                       ("valid", "untrusted", "tampered", "expired", "invalid", "none", "unsupported", "error")]


class ProvenanceActionSerializer(serializers.Serializer):
    action = serializers.CharField(help_text='As declared, e.g. "c2pa.created", "c2pa.edited".')
    label = serializers.CharField(help_text="The action in words.")
    when = serializers.CharField(allow_null=True)
    software_agent = serializers.CharField(allow_null=True, help_text="The tool that did it, as declared.")
    digital_source_type = serializers.CharField(allow_null=True, help_text="An IPTC digital source type URI.")
    source_type_label = serializers.CharField(allow_null=True, help_text='e.g. "AI-generated (made by a trained model)".')
    ai_generated = serializers.BooleanField()


class ProvenanceIngredientSerializer(serializers.Serializer):
    title = serializers.CharField(allow_null=True)
    format = serializers.CharField(allow_null=True)
    relationship = serializers.CharField(allow_null=True, help_text="parentOf (edited from), componentOf, inputTo.")
    depth = serializers.IntegerField(help_text="0: an ingredient of this file; 1: of that ingredient; ...")
    has_credentials = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField(), help_text="C2PA failure codes of its own manifest.")
    signer = serializers.CharField(allow_null=True)
    claim_generator = serializers.CharField(allow_null=True)


class ProvenanceProblemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text='A C2PA validation code, e.g. "assertion.bmffHash.mismatch".')
    explanation = serializers.CharField(allow_blank=True)


class ContentCredentialsSerializer(serializers.Serializer):
    status = serializers.ChoiceField(CREDENTIAL_STATUSES, help_text=(
        "valid: signed, unchanged, signer trusted; untrusted: signed and unchanged, signer not on the trust list; "
        "tampered: changed after signing; expired: the signer's certificate was not valid; invalid: present but "
        "broken; none: no credentials (which proves nothing); unsupported: the format cannot carry them; "
        "error: could not be read."))
    present = serializers.BooleanField()
    summary = serializers.CharField(help_text="The status in a sentence.")
    detail = serializers.CharField(allow_null=True)
    signer = serializers.CharField(allow_null=True, help_text="Common name of the signing certificate.")
    signer_organisation = serializers.CharField(allow_null=True)
    signed_at = serializers.CharField(allow_null=True, help_text="From a trusted timestamp, when there is one.")
    claim_generator = serializers.CharField(allow_null=True, help_text="The tool that wrote the credentials.")
    title = serializers.CharField(allow_null=True)
    actions = ProvenanceActionSerializer(many=True)
    ai_generated = serializers.BooleanField(help_text="An action declares an AI-generated digital source type.")
    ingredients = ProvenanceIngredientSerializer(many=True, help_text="The ingredient chain, depth first.")
    problems = ProvenanceProblemSerializer(many=True)
    trust_list = serializers.BooleanField(help_text="Whether the server had a trust list to check signers against.")
    library = serializers.CharField(allow_null=True)


class MetadataVideoSerializer(serializers.Serializer):
    codec = serializers.CharField(allow_null=True)
    profile = serializers.CharField(allow_null=True)
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    frame_rate = serializers.FloatField(allow_null=True)
    average_frame_rate = serializers.FloatField(allow_null=True)
    frames = serializers.IntegerField(allow_null=True)
    handler = serializers.CharField(allow_null=True)


class MetadataAudioSerializer(serializers.Serializer):
    codec = serializers.CharField(allow_null=True)
    sample_rate = serializers.IntegerField(allow_null=True)
    channels = serializers.IntegerField(allow_null=True)
    handler = serializers.CharField(allow_null=True)


class MetadataDeviceSerializer(serializers.Serializer):
    make = serializers.CharField(allow_null=True)
    model = serializers.CharField(allow_null=True)
    software = serializers.CharField(allow_null=True)
    location = serializers.CharField(allow_null=True, help_text="As recorded, e.g. ISO 6709 \"+48.8577+002.295/\".")


class FrameTimingSerializer(serializers.Serializer):
    checked_frames = serializers.IntegerField(help_text="Frames in the container's index (0: no per-frame index).")
    irregular = serializers.BooleanField(allow_null=True, help_text="Frames unevenly spaced; null when unknown.")
    min_interval_s = serializers.FloatField(allow_null=True)
    max_interval_s = serializers.FloatField(allow_null=True)
    typical_interval_s = serializers.FloatField(allow_null=True)


class EditListSerializer(serializers.Serializer):
    track = serializers.IntegerField()
    kind = serializers.CharField()
    edits = serializers.IntegerField()
    empty_edits = serializers.IntegerField()


class ObservationSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class FileMetadataSerializer(serializers.Serializer):
    readable = serializers.BooleanField()
    error = serializers.CharField(allow_null=True)
    format = serializers.CharField(allow_null=True)
    format_name = serializers.CharField(allow_null=True)
    brand = serializers.CharField(allow_null=True)
    size_bytes = serializers.IntegerField(allow_null=True)
    duration_s = serializers.FloatField(allow_null=True)
    bit_rate = serializers.IntegerField(allow_null=True)
    written_by = serializers.CharField(allow_null=True, help_text="The writing application or device software.")
    encoders = serializers.ListField(child=serializers.CharField())
    device = MetadataDeviceSerializer()
    created_at = serializers.CharField(allow_null=True, help_text="The container's own creation time (MP4/MOV).")
    modified_at = serializers.CharField(allow_null=True)
    tagged_creation_time = serializers.CharField(allow_null=True)
    video = MetadataVideoSerializer(many=True)
    audio = MetadataAudioSerializer(many=True)
    other_tracks = serializers.IntegerField()
    rotation = serializers.IntegerField()
    frame_timing = FrameTimingSerializer()
    edit_lists = EditListSerializer(many=True)
    index_at_start = serializers.BooleanField(allow_null=True)
    fragmented = serializers.BooleanField(allow_null=True)
    observations = ObservationSerializer(many=True, help_text="What a fact-checker should notice, in words.")


class ProvenanceSerializer(serializers.Serializer):
    credentials = ContentCredentialsSerializer()
    metadata = FileMetadataSerializer()
    seconds = serializers.FloatField(help_text="Time the worker spent reading both.")


def provenance_data(analysis):
    """The stored provenance in its documented shape, or None when it was never read."""
    return ProvenanceSerializer(analysis.provenance).data if analysis.provenance else None


class ExplanationSerializer(serializers.Serializer):
    headline = serializers.CharField(help_text="What the verdict means, in a sentence.")
    sureness = serializers.CharField(help_text="How sure, in words: from the distance of the deciding "
                                               "probability to the threshold, in uncertain-band widths.")
    detail = serializers.CharField(help_text="The deciding face's probability against the threshold and band.")
    face = serializers.IntegerField(allow_null=True, help_text="The face (1-based track) that decided it.")


class AnalysisDetailSerializer(AnalysisSummarySerializer):
    video = VideoSerializer()
    people = serializers.SerializerMethodField(
        help_text="People found: faces followed across frames (face tracks); null until done.")
    face_detections = serializers.IntegerField(
        source="faces_found", read_only=True, allow_null=True,
        help_text="Faces detected over all frames read (one person seen in 20 frames is 20); the same as "
                  "faces_found, under a clearer name.")
    explanation = serializers.SerializerMethodField(
        help_text="The verdict in plain words (what the result page says); null without a verdict or face.")
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
    provenance = serializers.SerializerMethodField(
        help_text="Where the file came from: its Content Credentials (C2PA) and its own metadata, read before "
                  "detection; null until read. No credentials proves nothing.")

    class Meta(AnalysisSummarySerializer.Meta):
        fields = [
            "id", "status", "stage", "progress", "verdict", "confidence", "fake_probability",
            "frames_requested", "frames_analysed", "frames_short", "frames_note", "faces_found", "processing_seconds", "error",
            "model_version", "model", "video", "tracks", "frames", "review", "created_at", "started_at",
            "finished_at", "url", "result_page", "provenance", "people", "face_detections", "explanation",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_people(self, analysis):
        return explain.people(analysis)

    @extend_schema_field(ExplanationSerializer(allow_null=True))
    def get_explanation(self, analysis):
        explained = explain.explain(analysis)
        return ExplanationSerializer(explained).data if explained else None

    def get_frames_short(self, analysis) -> int:
        return analysis.frames_short

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_frames_note(self, analysis):
        return analysis.frames_note or None

    @extend_schema_field(ProvenanceSerializer(allow_null=True))
    def get_provenance(self, analysis):
        return provenance_data(analysis)

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
