"""The web pages: upload, result (with a JSON status for live updates), history, retry and delete.

Every query goes through `Analysis.objects.visible_to`, so another user's analysis is a 404.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deepfake_site import ratelimit

from . import example_clip, explain, link_videos, reports, services
from .fair_queue import TooManyActive
from .forms import UploadForm
from .models import Analysis, ModelVersion
from .uploads import check_upload

HISTORY_PAGE_SIZE = 20
PURGED_MESSAGE = ("The video file was deleted after the retention period; its verdict and face crops are kept. "
                  "Upload it again to watch it here.")
DUPLICATE_MESSAGE = "You uploaded this video before: here is its analysis."
EXAMPLE_AGAIN_MESSAGE = "You analysed the example before: here is its analysis."


def _wants_json(request):
    # upload.js sends this header; a plain form POST (no JavaScript) gets HTML back.
    return request.headers.get("Accept", "").startswith("application/json")


def _visible(request, analysis_id):
    analyses = Analysis.objects.visible_to(request.user).select_related("video", "model_version")
    return get_object_or_404(analyses, pk=analysis_id)


@require_http_methods(["GET", "POST"])
def home(request):
    """Visitors get the landing page (what this is, how far to trust it); signed-in users upload."""
    if request.user.is_authenticated:
        return upload(request)
    if request.method == "POST":
        return redirect_to_login(request.get_full_path())
    return render(request, "detector/landing.html", {"model": ModelVersion.objects.active()})


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        limit = ratelimit.rule("upload", request.user.pk, settings.DEEPTRACE_UPLOAD_RATE)
        decision = ratelimit.allow(limit)
        if not decision.allowed:  # before the file is checked: a refused upload costs nothing more
            return _over_limit(request, f"You have uploaded {limit.limit} videos in the last "
                                        f"{ratelimit.in_words(limit.window_s)}. "
                                        f"Try again in {ratelimit.in_words(decision.wait_s)}.")
        if form.is_valid():
            return _accepted(request, form)
        return _rejected(request, form)
    return render(request, "detector/upload.html", _upload_context(form))


def _accepted(request, form):
    data = form.cleaned_data
    try:
        if data.get("video_url"):  # the worker downloads it (detector.link_download)
            analysis, duplicate = link_videos.submit_link(request.user, data["video_url"], data["frames"])
        else:
            analysis, duplicate = services.submit(request.user, data["video"], form.checked, data["frames"])
    except TooManyActive as error:
        return _over_limit(request, str(error))
    url = reverse("detector:result", args=[analysis.pk])
    if duplicate:
        messages.info(request, DUPLICATE_MESSAGE)  # upload.js follows `url` too, so both see it there
    if _wants_json(request):
        return JsonResponse({"id": analysis.pk, "url": url, "duplicate": duplicate}, status=200 if duplicate else 201)
    return redirect(url)


def _rejected(request, form):
    if _wants_json(request):
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        message = " ".join(message for errs in errors.values() for message in errs)
        return JsonResponse({"message": message, "errors": errors}, status=form.status)
    return render(request, "detector/upload.html", _upload_context(form), status=form.status)


@login_required
@require_POST
def example(request):
    """Analyse the generated example clip (detector.example_clip) through the upload's own path: one
    Video per owner and content, so a second click opens the first analysis."""
    with example_clip.open_example() as clip:
        checked = check_upload(clip)
        try:
            analysis, duplicate = services.submit(request.user, clip, checked, settings.DEEPTRACE_DEFAULT_FRAMES)
        except TooManyActive as error:
            return _over_limit(request, str(error))
    if duplicate:
        messages.info(request, EXAMPLE_AGAIN_MESSAGE)
    return redirect("detector:result", analysis.pk)


def _over_limit(request, message):
    """The upload page (or upload.js's JSON) with a limit's sentence, status 429."""
    form = UploadForm()
    form.errors[NON_FIELD_ERRORS] = form.error_class([message], error_class="nonfield")
    form.status = 429
    return _rejected(request, form)


def _oversized_body_page(request, message):
    """The upload page again with the size limit's sentence (413), for a form posted without JavaScript
    whose body deepfake_site/request_size.py refused unread. None (plain text) when not signed in."""
    if not request.user.is_authenticated:
        return None
    form = UploadForm()
    form.full_clean()  # unbound: no errors of its own, nothing read
    form.cleaned_data = {}
    form.add_error("video", forms.ValidationError(message, code="file_too_large"))
    form.status = 413
    return render(request, "detector/upload.html", _upload_context(form), status=413)


home.oversized_body_page = _oversized_body_page


def _upload_context(form):
    return {
        "form": form,
        "max_upload_mb": settings.DEEPTRACE_MAX_UPLOAD_MB,
        "max_upload_bytes": int(settings.DEEPTRACE_MAX_UPLOAD_MB * 1024 * 1024),
        "model_active": ModelVersion.objects.active() is not None,
    }


@login_required
@require_GET
def result(request, analysis_id):
    analysis = _visible(request, analysis_id)
    review = analysis.reviews.first()  # newest first (Review.Meta.ordering)
    context = {
        "analysis": analysis,
        "frames": analysis.frames.all(),
        "review": review,
        "reviewed": explain.reviewed_verdict(review),
        "explanation": explain.explain(analysis),
        "counts": explain.counts_sentence(analysis),
        "people": explain.people(analysis),
        "live": explain.live_state(analysis),
        "model_active": ModelVersion.objects.active() is not None,
        "purged_message": PURGED_MESSAGE,
    }
    return render(request, "detector/result.html", context)


@login_required
@require_GET
def status(request, analysis_id):
    analysis = _visible(request, analysis_id)
    live = explain.live_state(analysis)  # label and percentage from this one read of the row
    return JsonResponse(
        {
            "id": analysis.pk,
            "status": analysis.status,
            "status_label": analysis.get_status_display(),
            "stage": analysis.stage,
            "attempt": analysis.attempts,  # another worker's claim of a stuck run starts a new attempt
            "label": live["label"],
            "progress": live["progress"],
            "seconds_left": live["seconds_left"],
            "eta": live["eta"],
            "finished": analysis.is_finished,
            "verdict": analysis.verdict,
        }
    )


@login_required
@require_GET
def report(request, analysis_id, fmt):
    """The take-away report of a finished analysis, as PDF or JSON (detector.reports)."""
    analysis = _visible(request, analysis_id)
    if fmt not in reports.CONTENT_TYPES or not reports.is_ready(analysis):
        raise Http404("A report exists only for a finished analysis, as .pdf or .json.")
    return reports.download(analysis, fmt)


@login_required
@require_POST
def retry(request, analysis_id):
    analysis = _visible(request, analysis_id)
    try:
        with transaction.atomic():
            retried = services.retry(analysis)
    except TooManyActive as error:
        messages.error(request, str(error))
        return redirect("detector:result", analysis.pk)
    if retried:
        messages.success(request, "The analysis is queued again.")
    else:
        messages.info(request, services.not_retryable_reason(analysis))
    return redirect("detector:result", analysis.pk)


@login_required
@require_GET
def history(request):
    # Own analyses only, staff included: the review queue in the admin is where staff see everyone's.
    analyses = Analysis.objects.filter(video__owner=request.user).select_related("video").prefetch_related("reviews")
    page = Paginator(analyses, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    for analysis in page.object_list:  # what staff made of it, shown instead of the model's verdict
        analysis.reviewed = explain.reviewed_verdict(next(iter(analysis.reviews.all()), None))
    return render(request, "detector/history.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, analysis_id):
    """GET asks for confirmation; POST deletes the analysis, its crops and (if unused) its video."""
    analysis = _visible(request, analysis_id)
    if request.method == "GET":
        return render(request, "detector/confirm_delete.html", {"analysis": analysis})
    name = analysis.video.original_name
    services.delete_analysis(analysis)
    messages.success(request, f"Deleted the analysis of {name}.")
    return redirect("detector:history")
