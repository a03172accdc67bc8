"""API token pages on the account: create a named token (its key is shown once), list, revoke.

The raw key is never stored in the database (only its hash). Creating redirects (POST, then GET), so
a refresh cannot create a second token: the key rides in the session to the next GET of the list,
which shows it once and removes it. A lost key means revoking it and creating another.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. “nightly scan” or “browser extension”.")


def _page(request, form, new_key=None, status=200):
    context = {"form": form, "tokens": ApiToken.objects.active().filter(user=request.user), "new_key": new_key}
    return render(request, "accounts/tokens.html", context, status=status)


NEW_KEY = "accounts.new_token_key"  # session key: the raw key, until the list has shown it once


@login_required
@require_GET
def token_list(request):
    return _page(request, TokenForm(), new_key=request.session.pop(NEW_KEY, None))


@login_required
@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    token, raw = ApiToken.issue(request.user, form.cleaned_data["name"])
    request.session[NEW_KEY] = raw
    messages.success(request, f"Created the token “{token.name}”. Copy it now: it will not be shown again.")
    return redirect("tokens", permanent=False)


@login_required
@require_POST
def token_revoke(request, token_id):
    token = get_object_or_404(ApiToken.objects.active().filter(user=request.user), pk=token_id)
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    messages.success(request, f"Revoked the token “{token.name}”. Programs using it now get 401.")
    return redirect("tokens")
