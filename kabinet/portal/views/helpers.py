"""Small helpers shared by the portal views."""

from django.conf import settings
from django.contrib.auth import login
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

# Users who proved themselves by a code (registration, password reset) are logged in through this backend.
CODE_LOGIN_BACKEND = "kabinet.accounts.backends.CredentialBackend"


def next_param(request) -> str:
    """The `next` URL from POST or GET if it stays on this site, else ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def safe_next(request) -> str:
    """Where to go after logging in: a safe `next`, else the dashboard."""
    return next_param(request) or resolve_url(settings.LOGIN_REDIRECT_URL)


def login_after_code(request, user) -> None:
    login(request, user, backend=CODE_LOGIN_BACKEND)
