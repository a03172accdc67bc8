"""The upload form: a video and how many frames to analyse. File checks live in detector.uploads."""

from django import forms
from django.conf import settings

from .uploads import UploadRejected, check_upload


class UploadForm(forms.Form):
    video = forms.FileField(error_messages={"required": "Choose a video to upload.", "empty": "The file is empty."})
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
        try:
            self.checked = check_upload(upload)
        except UploadRejected as rejected:
            self.status = rejected.status
            raise forms.ValidationError(rejected.message, code=rejected.code) from None
        return upload
