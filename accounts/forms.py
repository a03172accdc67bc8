from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError

from . import login_throttle, usernames


class LookalikeNamesRefused:
    """A user form whose new (or renamed) user name must not be mistakable for one already taken
    (accounts/usernames.py): the same rule for sign-up and the admin's add and change forms."""

    def clean_username(self):
        username = self.cleaned_data.get("username")
        if username and (self.instance.pk is None or "username" in self.changed_data):
            self.cleaned_data["username"] = username = usernames.normalise(username)
            usernames.check_not_lookalike(username, exclude_pk=self.instance.pk)
        parent = getattr(super(), "clean_username", None)  # Django's: the same name in another case
        return parent() if parent else username


class SignupForm(LookalikeNamesRefused, UserCreationForm):
    email = forms.EmailField(required=False, help_text="Optional. Only used if you ask us for help.")

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")


class AdminUserCreationForm(LookalikeNamesRefused, auth_forms.AdminUserCreationForm):
    """The admin's "add user" form, with the user-name rule."""


class AdminUserChangeForm(LookalikeNamesRefused, auth_forms.UserChangeForm):
    """The admin's user form, with the user-name rule when the name is changed."""


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
