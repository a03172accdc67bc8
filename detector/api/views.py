"""The client API: submit a video, follow its analysis, list, delete, retry; which model answers.

Clients see their own analyses only (staff review everyone's in the admin), so another user's id is
a 404. Views never run the model: they store the upload and queue it (detector.services).
"""

from django.conf import settings
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from detector import link_videos, media_views, services
from detector.fair_queue import TooManyActive
from detector.models import Analysis, FrameResult, ModelVersion
from detector.uploads import check_upload

from . import serializers as s
from .errors import Conflict
from .filters import PARAMETERS, filter_analyses
from .throttles import API_THROTTLES, QueueFull


def _errors(*codes):
    return {code: OpenApiResponse(s.ErrorSerializer, description=text) for code, text in codes}


AUTH_ERRORS = ((401, "Not authenticated, or the token is invalid or revoked."), (429, "Too many requests."))
NOT_FOUND = ((404, "No such analysis among yours."),)
QUEUE_FULL = (429, "Too many requests, or (code too_many_active) too many analyses of yours waiting or running.")
# Unsafe methods with the login cookie (the site's own pages) need the CSRF token; tokens do not.
CSRF = ((403, "A session (cookie) request without its CSRF token."),)
# One rule for file types (detector/uploads.py): the content decides, never the name.
FILE_TYPES = (
    "The file type is decided by the file's content, not its name: a file is accepted when its first bytes "
    "are those of an MP4/MOV (ISO-BMFF), WebM/MKV (EBML) or AVI (RIFF) container and a video track in it can "
    "be opened, whatever its name or extension says (a video named `clip.png`, or with no extension, is a "
    "video; a picture named `clip.mp4` is `unsupported_media_type`). The name is a label only; it is refused "
    "(415) only when it ends in a program's or a web page's extension (.exe, .bat, .js, .html, .svg, ...), "
    "because the name is offered back when the video is played. The length and the frame size are read from "
    "the container's header: a video longer than the limit or with frames above 4096 pixels on a side is "
    "refused (400 `video_too_long`, `video_too_large`); a video whose header does not give its length "
    "(MediaRecorder WebM) is counted by the worker, which fails the analysis with `video_too_long` if it is. "
    "More than 100 form fields or more than one file is a 400 (`too_many_fields`, `too_many_files`).\n\n"
    "Instead of a file, `video_url` may give a direct http(s) link to one: the request only checks the link (a "
    "host that resolves to a loopback, private or link-local address is a 400 `invalid` with `link_refused` in "
    "`detail`) and queues; the worker downloads it (stage `downloading`), following redirects and checking each, "
    "stops past the upload's size limit, then checks the file as an upload. An analysis whose link fails, is too "
    "large (`file_too_large`), is a web page (`link_not_a_video`) or is no video we read fails with a sentence "
    "and can be retried. Pages of video sites (YouTube, ...) are not supported."
)


@extend_schema_view(
    list=extend_schema(summary="List your analyses", parameters=PARAMETERS,
                       responses={200: s.AnalysisSummarySerializer(many=True),
                                  **_errors((400, "Unknown filter value, or a page that is not a whole number from 1."),
                                            *AUTH_ERRORS, (404, "No such page: past the last one."))}),
    retrieve=extend_schema(summary="An analysis with its scores and evidence",
                           responses={200: s.AnalysisDetailSerializer, **_errors(*AUTH_ERRORS, *NOT_FOUND)}),
    destroy=extend_schema(summary="Delete an analysis with its video and face crops",
                          responses={204: None, **_errors(*AUTH_ERRORS, *CSRF, *NOT_FOUND)}),
)
class AnalysisViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                      viewsets.GenericViewSet):
    throttle_classes = API_THROTTLES
    # Uploads are multipart; a JSON body is a 415, not a confusing "video is required".
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = s.AnalysisDetailSerializer
    queryset = Analysis.objects.none()  # for the schema; get_queryset filters by owner

    def get_queryset(self):
        analyses = Analysis.objects.filter(video__owner=self.request.user)
        return analyses.select_related("video", "model_version").prefetch_related("frames", "reviews")

    def get_serializer_class(self):
        return s.AnalysisSummarySerializer if self.action == "list" else s.AnalysisDetailSerializer

    def filter_queryset(self, queryset):
        return filter_analyses(queryset, self.request.query_params) if self.action == "list" else queryset

    @extend_schema(
        summary="Submit a video for analysis",
        description=FILE_TYPES,
        request={"multipart/form-data": s.AnalysisCreateSerializer},
        responses={
            202: OpenApiResponse(s.AcceptedSerializer, description="Queued."),
            200: OpenApiResponse(s.AcceptedSerializer, description="Already analysed: the earlier analysis."),
            **_errors((400, ("Bad options, an empty or unreadable video, a video too long or too large, too "
                             "many form fields or files.")), *AUTH_ERRORS, *CSRF,
                      (413, "The file (or the request) is too large."),
                      (415, "Not a video by its content, a program's or a page's name, or not multipart."), QUEUE_FULL),
        },
    )
    def create(self, request):
        form = s.AnalysisCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            analysis, duplicate = _submit(request.user, form.validated_data)
        except TooManyActive as error:
            raise QueueFull(str(error)) from None
        if duplicate:
            return Response(s.AcceptedSerializer.for_analysis(analysis, request, duplicate=True))
        return Response(s.AcceptedSerializer.for_analysis(analysis, request), status=http.HTTP_202_ACCEPTED)

    def perform_destroy(self, analysis):
        services.delete_analysis(analysis)

    @extend_schema(summary="Run a failed analysis again", request=None,
                   responses={202: s.AcceptedSerializer,
                              **_errors(*AUTH_ERRORS, *CSRF, *NOT_FOUND,
                                        (409, services.NOT_RETRYABLE), QUEUE_FULL)})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        analysis = self.get_object()
        try:
            with transaction.atomic():
                retried = services.retry(analysis)
        except TooManyActive as error:
            raise QueueFull(str(error)) from None
        if not retried:
            raise Conflict(services.not_retryable_reason(analysis), code="not_retryable")
        return Response(s.AcceptedSerializer.for_analysis(analysis, request), status=http.HTTP_202_ACCEPTED)

    @extend_schema(summary="A light status document to poll",
                   responses={200: s.StatusSerializer, **_errors(*AUTH_ERRORS, *NOT_FOUND)})
    @action(detail=True, methods=["get"])
    def status(self, request, pk=None):
        return Response(s.StatusSerializer(self.get_object()).data)

    @extend_schema(summary="A face crop (JPEG)",
                   responses={(200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY), **_errors(*AUTH_ERRORS, *NOT_FOUND)})
    def crop(self, request, pk=None, frame_id=None):  # routed in urls.py: the path ends in .jpg, no slash
        # Token clients cannot use the session-only web media view, so the API serves the crop itself
        # through the same owner-filtered lookup and file response.
        frame = get_object_or_404(FrameResult.objects.filter(analysis__video__owner=request.user, analysis_id=pk),
                                  pk=frame_id)
        return media_views.file_response(frame.crop, "image/jpeg")

    @extend_schema(summary="Where the model looked in a face crop: its heatmap (JPEG)",
                   description="Only frames whose `heatmap_url` is not null have one.",
                   responses={(200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY), **_errors(*AUTH_ERRORS, *NOT_FOUND)})
    def heatmap(self, request, pk=None, frame_id=None):  # routed in urls.py, like `crop`
        frames = FrameResult.objects.filter(analysis__video__owner=request.user, analysis_id=pk).exclude(heatmap="")
        return media_views.file_response(get_object_or_404(frames, pk=frame_id).heatmap, "image/jpeg")


def _submit(user, options):
    """A file is checked and stored now; a link is stored and downloaded by the worker."""
    frames = options.get("frames") or settings.DEEPTRACE_DEFAULT_FRAMES
    webhook_url, force = options.get("webhook_url", ""), options["force"]
    if options.get("video_url"):
        return link_videos.submit_link(user, options["video_url"], frames, webhook_url, force=force)
    checked = check_upload(options["video"])  # UploadRejected becomes a 400/413/415 in errors.py
    return services.submit(user, options["video"], checked, frames, webhook_url, force=force)


class ActiveModelView(APIView):
    """Public: which model answers (the browser extension shows it before the user logs in)."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = API_THROTTLES

    @extend_schema(summary="The model that analyses new uploads",
                   responses={200: s.ModelVersionSerializer,
                              **_errors((401, ("A token was sent and it is invalid or revoked (the route is "
                                               "public: send none).")),
                                        (404, "No model is active yet."), AUTH_ERRORS[1])})
    def get(self, request):
        model_version = ModelVersion.objects.active()
        if model_version is None:
            raise NotFound("No model is active yet; analyses wait until an administrator installs one.")
        return Response(s.ModelVersionSerializer(model_version).data)
