"""Settings (seed 001, «Настройки»): name, email and phone changed by a code, notifications, password.

One page shows every section; each form posts to its own URL and, when refused, the page is shown
again with that form's errors next to its fields and the values kept. All act on the caller's own
profile only; the changes are accounts.profile and comms notification services.
"""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from kabinet.accounts import profile
from kabinet.accounts.codes import CodeError, CodeThrottled, seconds_until_resend
from kabinet.comms.services import CommsError
from kabinet.comms.services.notifications import get_preferences, update_preferences
from kabinet.portal.forms import CodeForm
from kabinet.portal.forms_settings import (
    ChangePasswordForm,
    EmailCodeForm,
    EmailForm,
    NameForm,
    NotificationsForm,
    PhoneForm,
)

# A pending change per kind: the session holds the code's id and the new address.
CHANGES = {
    "email": {"session": "portal_settings_email", "purpose": profile.EMAIL_PURPOSE, "form": EmailCodeForm,
              "confirm": profile.confirm_email_change},
    "phone": {"session": "portal_settings_phone", "purpose": profile.PHONE_PURPOSE, "form": CodeForm,
              "confirm": profile.confirm_phone_change},
}


def _section(name: str) -> str:
    return reverse("portal:settings") + f"#{name}"


def _pending(request, kind: str) -> dict | None:
    state = request.session.get(CHANGES[kind]["session"])
    # A session outlives a login as another user only through flush; check the owner anyway.
    if state and state.get("user_id") == request.user.pk:
        return state
    return None


def _notifications_initial(user) -> dict:
    pref = get_preferences(user)
    initial = {topic: getattr(pref, topic) for topic in NotificationsForm.TOPICS}
    initial.update(quiet_from=pref.quiet_from, quiet_to=pref.quiet_to)
    return initial


def _page(request, **bound):
    """The settings page; `bound` replaces a section's empty form by the one that was just refused."""
    user = request.user
    context = {
        "name_form": NameForm(initial={"full_name": user.full_name}),
        "email_form": EmailForm(),
        "phone_form": PhoneForm(),
        "notifications_form": NotificationsForm(initial=_notifications_initial(user)),
        "password_form": ChangePasswordForm(user=user),
        "pending_email": _pending(request, "email"),
        "pending_phone": _pending(request, "phone"),
    }
    context.update(bound)
    return render(request, "portal/settings.html", context)


@login_required
@never_cache
def settings_view(request):
    return _page(request)


@login_required
@require_POST
def settings_name_view(request):
    form = NameForm(request.POST)
    if form.is_valid():
        try:
            profile.update_name(request.user, form.cleaned_data["full_name"])
        except profile.ProfileError as exc:
            form.add_error("full_name", exc.messages)
        else:
            messages.success(request, _("Your name has been saved."))
            return redirect(_section("name"))
    return _page(request, name_form=form)


def _start_change(request, kind: str, form, start):
    """Send the code for a new email or phone; on success go to the code step."""
    if form.is_valid():
        value = form.cleaned_data[kind]
        try:
            code = start(request.user, value)
        except profile.ProfileError as exc:
            form.add_error(kind, exc.messages)
        except CodeThrottled as exc:
            form.add_error(kind, str(exc))
        else:
            request.session[CHANGES[kind]["session"]] = {
                "code_id": code.pk, "value": code.recipient, "user_id": request.user.pk,
            }
            return redirect(f"portal:settings_{kind}_confirm")
    return _page(request, **{f"{kind}_form": form})


@login_required
@require_POST
def settings_email_view(request):
    return _start_change(request, "email", EmailForm(request.POST), profile.request_email_change)


@login_required
@require_POST
def settings_phone_view(request):
    return _start_change(request, "phone", PhoneForm(request.POST), profile.request_phone_change)


@login_required
@never_cache
def settings_confirm_view(request, kind: str):
    """The code step of an email or phone change."""
    change = CHANGES[kind]
    state = _pending(request, kind)
    if state is None:
        return redirect(_section(kind))
    form = change["form"](request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change["confirm"](request.user, state["code_id"], form.cleaned_data["code"])
        except CodeError as exc:
            form.add_error("code", str(exc))
        except profile.ProfileError as exc:
            del request.session[change["session"]]
            for message in exc.messages:
                messages.error(request, message)
            return redirect(_section(kind))
        else:
            del request.session[change["session"]]
            if kind == "email":
                text = _("Your email %(value)s is confirmed.")
            else:
                text = _("Your phone number %(value)s is confirmed.")
            messages.success(request, text % {"value": state["value"]})
            return redirect(_section(kind))
    wait = seconds_until_resend(change["purpose"], state["value"])
    return render(request, "portal/settings_confirm.html",
                  {"form": form, "kind": kind, "value": state["value"], "wait": wait})


@login_required
@require_POST
def settings_resend_view(request, kind: str):
    change = CHANGES[kind]
    state = _pending(request, kind)
    if state is None:
        return redirect(_section(kind))
    try:
        code = profile.resend_change_code(request.user, state["code_id"])
    except CodeError as exc:  # CodeThrottled included
        messages.error(request, str(exc))
    else:
        request.session[change["session"]] = dict(state, code_id=code.pk)
        messages.success(request, _("A new code has been sent to %(value)s.") % {"value": state["value"]})
    return redirect(f"portal:settings_{kind}_confirm")


@login_required
@require_POST
def settings_cancel_view(request, kind: str):
    request.session.pop(CHANGES[kind]["session"], None)
    return redirect(_section(kind))


@login_required
@require_POST
def settings_notifications_view(request):
    form = NotificationsForm(request.POST)
    if form.is_valid():
        try:
            update_preferences(request.user, form.cleaned_data)
        except CommsError as exc:
            form.add_error("quiet_from" if exc.code == "quiet_hours" else None, exc.message)
        else:
            messages.success(request, _("Your notification settings have been saved."))
            return redirect(_section("notifications"))
    return _page(request, notifications_form=form)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@require_POST
def settings_password_view(request):
    form = ChangePasswordForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            profile.change_password(request.user, data["old_password"], data["new_password1"])
        except profile.ProfileError as exc:
            form.add_error("old_password" if exc.field == "old_password" else "new_password2", exc.messages)
        else:
            # This session stays logged in; the others no longer match the password hash.
            update_session_auth_hash(request, request.user)
            messages.success(
                request, _("Your password has been changed. On other devices you need to log in again.")
            )
            return redirect(_section("password"))
    return _page(request, password_form=form)
