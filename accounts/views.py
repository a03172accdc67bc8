"""Sign-up (limited per address), and log-in with a throttle on failures. Log out is Django's own view
(see accounts/urls.py)."""

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from deepfake_site import ratelimit

from .forms import SignupForm, ThrottledLoginForm


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("detector:upload")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _signup_allowed(request, form):
            return render(request, "accounts/signup.html", {"form": form}, status=429)
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("detector:upload")
    return render(request, "accounts/signup.html", {"form": form})


def _signup_allowed(request, form):
    """Counts only sign-ups that would create an account (a typo in the form costs nothing)."""
    limit = ratelimit.rule("signup", ratelimit.client_address(request), settings.DEEPTRACE_SIGNUP_RATE)
    decision = ratelimit.allow(limit)
    if not decision.allowed:
        form.add_error(None, f"Too many accounts were created from your address. "
                             f"Try again in {ratelimit.in_words(decision.wait_s)}.")
    return decision.allowed


class ThrottledLoginView(LoginView):
    form_class = ThrottledLoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429  # the form says why, in a sentence
        return response
