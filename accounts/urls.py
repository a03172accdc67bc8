"""Account pages. "signup", "login" and "logout" are not namespaced: settings.LOGIN_URL is "login".

API token pages ("tokens", "token-create", "token-revoke") live in accounts/tokens.py.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import tokens, views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),  # POST only (Django 5)
    path("tokens/", tokens.token_list, name="tokens"),
    path("tokens/new/", tokens.token_create, name="token-create"),
    path("tokens/<int:token_id>/revoke/", tokens.token_revoke, name="token-revoke"),
]
