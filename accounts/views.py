"""Sign-up, and log-in with a throttle on failures. Log out is Django's own view (see accounts/urls.py)."""

from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .forms import SignupForm, ThrottledLoginForm


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("detector:upload")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("detector:upload")
    return render(request, "accounts/signup.html", {"form": form})


class ThrottledLoginView(LoginView):
    form_class = ThrottledLoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429  # the form says why, in a sentence
        return response
