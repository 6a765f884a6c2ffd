"""What a locked-out login gets (django-axes): JSON for the API, a page for people."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kabinet.accounts.rules import classify_identifier


def lockout_response(request, original_response=None, credentials=None):
    message = _("Too many failed login attempts. Login is locked for 15 minutes; you can reset your password.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    return render(request, "accounts/locked_out.html", {"message": message}, status=429)


def lockout_username(request, credentials):
    """The identity django-axes counts failures against: the normalised login, so that
    `8 912 345-67-89`, `+79123456789` and `+7 (912) 345 67 89` share one budget of attempts."""
    username = (credentials or {}).get("username") or ""
    if username.startswith("address:"):
        return username
    ident = classify_identifier(username)
    return f"{ident.kind}:{ident.value}" if ident else username.strip().lower()
