"""Self-registration (seed 000): account number + receipt code + phone → SMS code → password."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from kabinet.accounts import services
from kabinet.accounts.codes import CodeError, CodeThrottled, check_code, seconds_until_resend
from kabinet.accounts.models import ConfirmationCode
from kabinet.accounts.rules import mask_phone
from kabinet.portal.forms import CodeForm, RegistrationForm, SetPasswordForm
from kabinet.portal.views.helpers import login_after_code

SESSION_KEY = "portal_registration"
PURPOSE = ConfirmationCode.Purpose.REGISTRATION


@csrf_protect
@never_cache
def register_view(request):
    if request.user.is_authenticated:
        return redirect("portal:account_link")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            code = services.start_registration(
                number=data["number"], receipt_code=data["receipt_code"], phone=data["phone"],
                full_name=data["full_name"], email=data["email"],
            )
        except (services.AccessError, CodeThrottled) as exc:
            form.add_error(None, str(exc))
        else:
            request.session[SESSION_KEY] = {"code_id": code.pk, "phone": data["phone"]}
            return redirect("portal:register_confirm")
    return render(request, "portal/register.html", {"form": form, "step": 1})


@csrf_protect
@never_cache
def register_confirm_view(request):
    state = request.session.get(SESSION_KEY)
    if not state:
        return redirect("portal:register")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check_code(state["code_id"], form.cleaned_data["code"], PURPOSE)
        except CodeError as exc:
            form.add_error("code", str(exc))
        else:
            state["confirmed"] = True
            request.session[SESSION_KEY] = state
            holder = services.registration_phone_holder(state["code_id"])
            if holder is not None:
                # The phone already has a Kabinet user: the account is added to them, password kept.
                services.finish_registration(state["code_id"], password="")
                del request.session[SESSION_KEY]
                messages.success(
                    request, _("The account has been added to your existing profile. Log in with your password.")
                )
                return redirect("portal:login")
            return redirect("portal:register_password")
    wait = seconds_until_resend(PURPOSE, state["phone"])
    return render(
        request,
        "portal/register_confirm.html",
        {"form": form, "phone": mask_phone(state["phone"]), "wait": wait, "step": 2},
    )


@require_POST
def register_resend_view(request):
    state = request.session.get(SESSION_KEY)
    if not state:
        return redirect("portal:register")
    try:
        code = services.resend_code(state["code_id"])
    except CodeError as exc:  # CodeThrottled included
        messages.error(request, str(exc))
    else:
        request.session[SESSION_KEY] = {"code_id": code.pk, "phone": state["phone"]}
        messages.success(request, _("A new code has been sent to %(phone)s.") % {"phone": mask_phone(state["phone"])})
    return redirect("portal:register_confirm")


@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
def register_password_view(request):
    state = request.session.get(SESSION_KEY)
    if not state or not state.get("confirmed"):
        return redirect("portal:register")
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, _created = services.finish_registration(state["code_id"], form.cleaned_data["new_password1"])
        except (CodeError, services.AccessError) as exc:
            del request.session[SESSION_KEY]
            messages.error(request, str(exc))
            return redirect("portal:register")
        del request.session[SESSION_KEY]
        login_after_code(request, user)
        messages.success(request, _("Welcome to Kabinet! Your account is ready."))
        return redirect("portal:dashboard")
    return render(request, "portal/register_password.html", {"form": form, "step": 3})
