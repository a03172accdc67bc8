from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError

from . import login_throttle


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=False, help_text="Optional. Only used if you ask us for help.")

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")


class ThrottledLogin:
    """A log-in form that refuses while the account or address is throttled
    (accounts/login_throttle.py). The site's form and the admin's count against the same limits, so
    a guesser gains nothing by switching between them."""

    throttled = False

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if not login_throttle.attempt(self.request, username):
            self.throttled = True
            raise ValidationError(login_throttle.locked_message(), code="throttled")
        try:
            cleaned = super().clean()  # raises on a wrong password: the attempt stays counted
        except ValidationError:
            if self.get_user() is not None:
                # The right password of an account this form does not let in (not staff, on the admin's):
                # not a guess, so it must not lock the person out of the site's log-in.
                login_throttle.succeeded(self.request, username)
            raise
        login_throttle.succeeded(self.request, username)
        return cleaned


class ThrottledLoginForm(ThrottledLogin, AuthenticationForm):
    """Django's log-in form, throttled."""


class ThrottledAdminLoginForm(ThrottledLogin, AdminAuthenticationForm):
    """The admin's log-in form (staff only), throttled."""
