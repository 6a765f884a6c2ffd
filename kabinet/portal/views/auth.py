"""Login (by login identifier or by address), logout and password reset."""

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from kabinet.accounts import services
from kabinet.accounts.backends import blocked_user_for
from kabinet.accounts.codes import CodeError, CodeThrottled
from kabinet.portal import address
from kabinet.portal.forms import (
    AddressPasswordForm,
    LoginForm,
    PasswordResetCodeForm,
    PasswordResetRequestForm,
)
from kabinet.portal.views.helpers import login_after_code, next_param, safe_next


def _failed_login_message(request, password, **credentials) -> str:
    if getattr(request, "axes_locked_out", False):
        return ""  # django-axes answers with its lockout page
    if blocked_user_for(password, **credentials) is not None:
        return _("Your account is blocked. Please contact your organisation.")
    return _("Wrong login or password.")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    """Login by email, phone (any common format) or personal account number, in one «Login» field."""
    if request.user.is_authenticated:
        return redirect(safe_next(request))
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        password = form.cleaned_data["password"]
        user = authenticate(request, username=username, password=password)
        if user is not None:
            login(request, user)
            return redirect(safe_next(request))
        error = _failed_login_message(request, password, username=username)
    return render(request, "portal/login.html", {"form": form, "error": error, "next": next_param(request)})


def _address_steps(params) -> dict:
    """Where the person is in settlement → street → house → flat, from GET (or POST) values."""
    all_settlements = address.settlements()
    settlement = params.get("settlement", "")
    if settlement not in all_settlements:
        settlement = all_settlements[0] if len(all_settlements) == 1 else ""
    typed_street = " ".join(params.get("street", "").split())
    street = address.exact_street(settlement, typed_street) if typed_street else None
    suggestions = address.match_streets(settlement, typed_street) if typed_street and not street else []
    house_list = address.houses(settlement, street) if street else []
    house = params.get("house", "")
    if house not in house_list:
        house = ""
    flat_list = address.flats(settlement, street, house) if house else []
    raw_premises = str(params.get("premises", ""))
    premises = next((p for p in flat_list if str(p.pk) == raw_premises), None)
    return {
        "settlements": all_settlements,
        "settlement": settlement,
        "typed_street": street or typed_street,
        "street": street,
        "suggestions": suggestions,
        "not_found": bool(typed_street and not street and not suggestions),
        "houses": house_list,
        "house": house,
        "flats": flat_list,
        "premises": premises,
    }


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_address_view(request):
    """Login by address (seed 001). GET steps narrow the address (htmx swaps them in place, or plain
    page loads without JavaScript); the final POST checks the password."""
    if request.user.is_authenticated:
        return redirect(safe_next(request))
    params = request.POST if request.method == "POST" else request.GET
    context = _address_steps(params)
    form = AddressPasswordForm(request.POST or None, initial={"premises": getattr(context["premises"], "pk", "")})
    error = ""
    if request.method == "POST" and form.is_valid() and context["premises"] is not None:
        premises_id = context["premises"].pk
        password = form.cleaned_data["password"]
        # `username` is what django-axes counts the failures by.
        user = authenticate(request, username=f"address:{premises_id}", premises_id=premises_id, password=password)
        if user is not None:
            login(request, user)
            return redirect(safe_next(request))
        error = _failed_login_message(request, password, premises_id=premises_id)
    elif request.method == "POST" and context["premises"] is None:
        error = _("Choose your address: settlement, street, house and flat.")
    context.update({"form": form, "error": error, "next": next_param(request)})
    return render(request, "portal/login_address.html", context)


@require_GET
def address_streets_view(request):
    """htmx: the streets of a settlement matching what has been typed so far."""
    context = _address_steps(request.GET)
    if context["street"]:  # typed in full: offer it as the one choice
        context["suggestions"] = [context["street"]]
    context["next"] = next_param(request)
    return render(request, "portal/_street_suggestions.html", context)


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("portal:login")


# --- Password reset ---------------------------------------------------------------------------------

RESET_SESSION_KEY = "portal_password_reset"


@csrf_protect
@never_cache
def password_reset_view(request):
    """Ask for a code by email or SMS. The answer is the same whether or not the contact is known."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = form.cleaned_data["contact"].strip()
        previous = request.session.get(RESET_SESSION_KEY) or {}
        code_id = None
        try:
            code = services.request_password_reset(contact)
            code_id = code.pk if code else None
        except CodeThrottled:
            # Asked again too soon: the code sent before stays valid.
            if previous.get("contact") == contact:
                code_id = previous.get("code_id")
        request.session[RESET_SESSION_KEY] = {"contact": contact, "code_id": code_id}
        messages.info(
            request,
            _("If this email or phone is registered in Kabinet, we have sent a confirmation code to it."),
        )
        return redirect("portal:password_reset_confirm")
    return render(request, "portal/password_reset.html", {"form": form})


@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
def password_reset_confirm_view(request):
    state = request.session.get(RESET_SESSION_KEY)
    if not state:
        return redirect("portal:password_reset")
    code_id = state.get("code_id")
    form = PasswordResetCodeForm(request.POST or None, user=services.password_reset_user(code_id))
    if request.method == "POST" and form.is_valid():
        try:
            user = services.reset_password(code_id, form.cleaned_data["code"], form.cleaned_data["new_password1"])
        except CodeError as exc:
            form.add_error("code", str(exc))
        else:
            del request.session[RESET_SESSION_KEY]
            login_after_code(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("portal:dashboard")
    return render(request, "portal/password_reset_confirm.html", {"form": form, "contact": state.get("contact")})
