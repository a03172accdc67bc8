"""What the product stores: uploaded videos, their analyses, the scored face frames, model versions
and staff reviews. Every user-facing query filters by the video's owner (see `Analysis.objects.visible_to`).
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone

from ml.decision import DEFAULT_RULE, DEFAULT_THRESHOLD, DEFAULT_UNCERTAIN_BAND, band_of


def video_upload_path(instance, filename):
    # The user's file name is only displayed; on disk a generated name avoids collisions and path tricks.
    suffix = Path(filename).suffix.lower()[:8]
    return f"videos/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def crop_upload_path(instance, filename):
    return f"crops/{instance.analysis_id}/{uuid.uuid4().hex}.jpg"


def heatmap_upload_path(instance, filename):
    # Next to the crops, so whatever keeps or removes an analysis's crops treats its heatmaps alike.
    return f"crops/{instance.analysis_id}/{uuid.uuid4().hex}-heatmap.jpg"


class Video(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="videos")
    file = models.FileField(upload_to=video_upload_path, max_length=255)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.BigIntegerField()
    content_type = models.CharField(max_length=64, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    fps = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the current file was stored: the upload, or a later upload of the same content that stored a
    # purged file again. The retention period counts from here (detector/retention.py).
    stored_at = models.DateTimeField(default=timezone.now)
    # The link it was submitted as (detector/link_videos.py): the worker downloads it; until then the
    # file and sha256 are empty.
    source_url = models.URLField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # One stored copy per user and content: concurrent identical uploads cannot both insert. A link
        # not downloaded yet has no content (sha256 empty) and stays out of the rule.
        constraints = [models.UniqueConstraint(fields=["owner", "sha256"], condition=~models.Q(sha256=""),
                                               name="video_once_per_owner")]

    def __str__(self):
        return self.original_name

    @property
    def is_purged(self):
        """The file was deleted after the retention period (detector/retention.py); the row stays."""
        return not self.file and not self.awaiting_download

    @property
    def awaiting_download(self):
        """A link whose video the worker has not downloaded yet (or failed to: a retry tries again)."""
        return not self.file and bool(self.source_url) and not self.sha256

    @property
    def resolution(self):
        return f"{self.width}x{self.height}" if self.width and self.height else ""


class ModelVersionQuerySet(models.QuerySet):
    def active(self):
        """The version new analyses run with; None when none is (they wait for one). The web side and
        the worker both ask here."""
        return self.filter(is_active=True).first()


class ModelVersion(models.Model):
    name = models.CharField(max_length=100, unique=True)
    backbone = models.CharField(max_length=50)
    checkpoint_path = models.CharField(max_length=500)
    checkpoint_sha256 = models.CharField(max_length=64)
    # The rule it decides with: its checkpoint's, calibrated in training (registry.register_checkpoint),
    # which staff may tune in the admin.
    threshold = models.FloatField(default=DEFAULT_THRESHOLD)
    uncertain_band = models.FloatField(default=DEFAULT_UNCERTAIN_BAND)
    metrics = models.JSONField(default=dict, blank=True)
    card = models.JSONField(default=dict, blank=True)  # data, split, backbone init, plots: see train_model
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ModelVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=models.Q(is_active=True), name="one_active_model")
        ]

    def __str__(self):
        return f"{self.name} ({self.backbone})"

    @property
    def decision_rule(self):
        """(threshold, uncertain band) the worker passes to the pipeline for a new analysis."""
        return self.threshold, self.uncertain_band

    @property
    def quality(self):
        """The measured quality from the model card: {"auc", "auc_sd", "protocol", "data", "videos"},
        or None when this version was never evaluated."""
        evaluation = (self.card or {}).get("evaluation")
        return evaluation if isinstance(evaluation, dict) and evaluation.get("auc") is not None else None

    @property
    def is_untrained(self):
        """True for a model whose weights were never trained (`install_model --random`). A card
        without the "trained" flag falls back to its backbone's initialisation."""
        provenance = (self.card or {}).get("provenance") or {}
        if "trained" in provenance:
            return provenance["trained"] is False
        return provenance.get("backbone_init") == "random"


class AnalysisQuerySet(models.QuerySet):
    def lock(self, pk):
        """Take the analysis's row lock until the end of the transaction; False when it is gone (its
        owner deleted it). What a delete and the worker's writes of a result or a download take."""
        return bool(list(self.select_for_update().filter(pk=pk).values_list("pk", flat=True)))

    def visible_to(self, user):
        if user.is_staff:
            return self
        return self.filter(video__owner=user)

    def flagged(self):
        """What staff review: analyses the model called fake or uncertain."""
        return self.filter(verdict__in=Analysis.FLAGGED_VERDICTS)


class Analysis(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        WAITING_MODEL = "waiting_model", "Waiting for a model"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Verdict(models.TextChoices):
        REAL = "real", "Real"
        FAKE = "fake", "Fake"
        UNCERTAIN = "uncertain", "Uncertain"
        NO_FACE = "no_face", "No face found"

    FLAGGED_VERDICTS = (Verdict.FAKE, Verdict.UNCERTAIN)  # what reaches the staff review queue

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="analyses")
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=40, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    frames_requested = models.PositiveSmallIntegerField(default=20)
    verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True, db_index=True)
    confidence = models.FloatField(null=True, blank=True)
    fake_probability = models.FloatField(null=True, blank=True)
    frames_analysed = models.PositiveIntegerField(null=True, blank=True)
    faces_found = models.PositiveIntegerField(null=True, blank=True)
    # The decision rule the verdict was decided with, kept because staff may edit the model's threshold
    # later; evidence is coloured by these, never by the model's current values.
    threshold = models.FloatField(null=True, blank=True)
    uncertain_band = models.FloatField(null=True, blank=True)
    tracks = models.JSONField(default=list, blank=True)  # [{"track", "fake_probability", "frames"}]
    timings = models.JSONField(default=dict, blank=True)  # seconds per pipeline stage
    # Where the file came from, read by the worker before detection (ml.media.provenance.read): its Content
    # Credentials and its own metadata. None until read (and for analyses made before migration 0007).
    provenance = models.JSONField(null=True, blank=True, default=None)
    processing_seconds = models.FloatField(null=True, blank=True)
    # While it runs: how long the pipeline should take, from the measured speed of the worker that runs it
    # (detector.inference.expected_seconds); None until that worker has finished an analysis.
    expected_seconds = models.FloatField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The lease of a running analysis (renewed by its worker; see detector.jobs) and when the broker
    # last accepted a message for it (empty: never, the sweeper will send it; see detector.dispatch).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    webhook_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = AnalysisQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "analyses"

    def __str__(self):
        return f"Analysis {self.pk} of {self.video}"

    @property
    def owner(self):
        return self.video.owner

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def decision_rule(self):
        """(threshold, uncertain band) this analysis was decided with, as the worker stored it: what the
        page, the API, the reports and the review queue read. Rows analysed before it was stored
        (migration 0003) fall back to their model version's, or the default when it was deleted."""
        if self.threshold is not None and self.uncertain_band is not None:
            return self.threshold, self.uncertain_band
        return self.model_version.decision_rule if self.model_version else DEFAULT_RULE

    def band_of(self, p_fake):
        """"real", "uncertain", "fake" or "none" for one score, by the rule the verdict was decided with."""
        return band_of(p_fake, *self.decision_rule)

    @staticmethod
    def clean_slate(status):
        """The fields that restart an analysis as `status`: no stage, progress or error of an earlier
        run, no lease, no message sent yet (detector.dispatch sends one)."""
        return {"status": status, "stage": "", "progress": 0, "error_code": "", "error_message": "",
                "enqueued_at": None, "heartbeat_at": None, "expected_seconds": None}

    def start_over(self, status):
        """Write `status` (queued, or waiting for a model) with a clean slate (`clean_slate`)."""
        fields = self.clean_slate(status)
        Analysis.objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)

    def wait_for_model(self):
        """Park it until a model is activated (detector.registry.activate queues it then). The one way
        to park: for an upload or a retry while no model is active, and for a job a worker claimed
        after the active model was removed."""
        self.start_over(self.Status.WAITING_MODEL)

    @property
    def frames_short(self):
        """How many requested frames could not be read (a short or damaged video), else 0."""
        if self.frames_analysed is None:
            return 0
        return max(0, self.frames_requested - self.frames_analysed)

    @property
    def frames_note(self):
        """The sentence that says a verdict rests on fewer frames than asked for, else "".
        The result page and the API show the same one."""
        if not self.frames_short:
            return ""
        return (f"Analysed {self.frames_analysed} of {self.frames_requested} requested frames: "
                "the rest could not be read from the video.")


class FlaggedAnalysis(Analysis):
    """The staff review queue in the admin (detector.admin_review): same rows, filtered there."""

    class Meta:
        proxy = True
        verbose_name = "flagged analysis"
        verbose_name_plural = "review queue: flagged analyses"


class FrameResult(models.Model):
    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="frames")
    track = models.PositiveSmallIntegerField(default=0)
    frame_index = models.PositiveIntegerField()
    timestamp_s = models.FloatField()
    box = models.JSONField(default=list)  # [x1, y1, x2, y2] in full-resolution pixels
    fake_probability = models.FloatField()
    crop = models.ImageField(upload_to=crop_upload_path, max_length=255)
    # Where the model looked for this crop's score (ml/serving/heatmaps.py): made for each track's most
    # suspicious crops only (DEEPTRACE_HEATMAPS_TOP_K), so often empty.
    heatmap = models.ImageField(upload_to=heatmap_upload_path, max_length=255, blank=True)

    class Meta:
        ordering = ["track", "frame_index"]

    def files(self):
        """The stored files of this frame (its crop, and its heatmap when it has one)."""
        return [f for f in (self.crop, self.heatmap) if f]


class Review(models.Model):
    """A staff decision on a flagged analysis. Kept as history: a new decision adds a row."""

    class Decision(models.TextChoices):
        CONFIRMED_FAKE = "confirmed_fake", "Judged fake"
        OVERTURNED_REAL = "overturned_real", "Judged real"
        ESCALATE = "escalate", "Needs escalation"

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
