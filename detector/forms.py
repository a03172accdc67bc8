"""The upload form: a video (a file, or a link the worker downloads) and how many frames to analyse.
File checks live in detector.uploads; which links may be fetched in detector.links_fetch."""

from django import forms
from django.conf import settings

from .link_targets import LinkRefused, check_link
from .uploads import UploadRejected, check_upload

NOTHING_CHOSEN = "Choose a video to upload, or paste a link to one."
BOTH_CHOSEN = "Choose a file or paste a link, not both."


class UploadForm(forms.Form):
    video = forms.FileField(required=False, error_messages={"empty": "The file is empty."})
    video_url = forms.URLField(required=False, max_length=2000, assume_scheme="https",
                               error_messages={"invalid": "Paste a full link, starting with http:// or https://."})
    frames = forms.IntegerField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        low, high = settings.DEEPTRACE_MIN_FRAMES, settings.DEEPTRACE_MAX_FRAMES
        # Read at request time, not import time, so settings overrides (tests, env) apply.
        field = self.fields["frames"]
        field.initial = settings.DEEPTRACE_DEFAULT_FRAMES
        field.widget.attrs.update(min=low, max=high, step=1)
        field.help_text = f"Between {low} and {high}. More frames: a steadier verdict, a longer wait."
        self.checked = None
        self.status = 400  # the HTTP status for the first error; check_upload may raise it to 413/415

    def clean_frames(self):
        value = self.cleaned_data["frames"]
        low, high = settings.DEEPTRACE_MIN_FRAMES, settings.DEEPTRACE_MAX_FRAMES
        if not low <= value <= high:
            raise forms.ValidationError(f"Choose between {low} and {high} frames.")
        return value

    def clean_video(self):
        upload = self.cleaned_data["video"]
        if not upload:
            return None
        try:
            self.checked = check_upload(upload)
        except UploadRejected as rejected:
            self.status = rejected.status
            raise forms.ValidationError(rejected.message, code=rejected.code) from None
        return upload

    def clean_video_url(self):
        url = self.cleaned_data["video_url"]
        if url:
            try:
                check_link(url)  # again in the worker, at each redirect: DNS can change
            except LinkRefused as refusal:
                raise forms.ValidationError(str(refusal), code="link_refused") from None
        return url

    def clean(self):
        data = super().clean()
        has_file = bool(data.get("video")) or "video" in self.errors
        has_link = bool(data.get("video_url")) or "video_url" in self.errors
        if not has_file and not has_link:
            self.add_error("video", forms.ValidationError(NOTHING_CHOSEN, code="required"))
        elif data.get("video") and data.get("video_url"):
            self.add_error("video_url", forms.ValidationError(BOTH_CHOSEN, code="both"))
        return data
