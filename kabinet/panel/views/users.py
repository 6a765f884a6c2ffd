"""Consumer users (role `users`): list, create, link accounts, block, reset the password."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.accounts import staff_services
from kabinet.accounts.staff_services import StaffActionError
from kabinet.core.roles import Role
from kabinet.panel import selectors
from kabinet.panel.forms import AttachAccountForm, ConsumerCreateForm, PasswordResetForm, staff_action_message
from kabinet.panel.scope import panel_view
from kabinet.panel.views.common import paginate
from kabinet.registry.models import PersonalAccount

SHOWN_PASSWORD_KEY = "panel_shown_password"


def _show_password_once(request, user, password):
    """Keep a new password for the next page only (the user page pops it)."""
    request.session[SHOWN_PASSWORD_KEY] = {"user": user.pk, "password": password}


def _pop_password(request, user):
    shown = request.session.pop(SHOWN_PASSWORD_KEY, None)
    if shown and shown.get("user") == user.pk:
        return shown["password"]
    return None


def _scoped_user(request, pk):
    return get_object_or_404(staff_services.consumers_of(request.panel.orgs(Role.USERS, narrow=False)), pk=pk)


def _find_account(request, number):
    """The account with this number among the organisations in the switcher's selection.

    Returns (account, error message)."""
    number = (number or "").strip().replace(" ", "")
    accounts = list(PersonalAccount.objects.filter(organization__in=request.panel.orgs(Role.USERS), number=number)
                    .select_related("organization")[:2])
    if not accounts:
        return None, _("No account with this number in your organisations. Check the number.")
    if len(accounts) > 1:
        return None, _("Several of your organisations have an account with this number. "
                       "Choose the organisation in the switcher at the top, then try again.")
    return accounts[0], None


@panel_view(Role.USERS, module="users")
def user_list(request):
    query = request.GET.get("q", "").strip()
    users = selectors.search_consumers(request.panel.orgs(Role.USERS), query)
    return render(request, "panel/user_list.html", {"page": paginate(request, users), "q": query})


@panel_view(Role.USERS, module="users")
def user_create(request):
    form = ConsumerCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        account, error = _find_account(request, data["number"])
        if error:
            form.add_error("number", error)
        else:
            try:
                user, generated = staff_services.create_consumer(
                    account=account, full_name=data["full_name"], email=data["email"], phone=data["phone"],
                    password=data["password"] or None, acting_user=request.user,
                )
            except StaffActionError as exc:
                form.add_service_error(*staff_action_message(exc))
            else:
                if generated:
                    _show_password_once(request, user, generated)
                messages.success(request, _("User created and linked to account %(number)s.")
                                 % {"number": account.number})
                return redirect("panel:user_detail", pk=user.pk)
    return render(request, "panel/user_create.html", {"form": form})


def _render_user_page(request, user, attach_form=None):
    links = selectors.user_links(user, request.panel.orgs(Role.USERS, narrow=False))
    return render(request, "panel/user_detail.html", {
        "subject": user,
        "links": links,
        "attach_form": attach_form or AttachAccountForm(),
        "shown_password": _pop_password(request, user),
    }, status=400 if attach_form is not None else 200)


@panel_view(Role.USERS, module="users")
def user_detail(request, pk):
    return _render_user_page(request, _scoped_user(request, pk))


@require_POST
@panel_view(Role.USERS, module="users")
def user_attach(request, pk):
    user = _scoped_user(request, pk)
    form = AttachAccountForm(request.POST)
    if form.is_valid():
        account, error = _find_account(request, form.cleaned_data["number"])
        if error:
            form.add_error("number", error)
        else:
            try:
                staff_services.attach_account(user, account, acting_user=request.user)
            except StaffActionError as exc:
                form.add_service_error(*staff_action_message(exc))
            else:
                messages.success(request, _("Account %(number)s linked.") % {"number": account.number})
                return redirect("panel:user_detail", pk=user.pk)
    return _render_user_page(request, user, attach_form=form)


@require_POST
@panel_view(Role.USERS, module="users")
def user_detach(request, pk, account_pk):
    user = _scoped_user(request, pk)
    account = get_object_or_404(
        PersonalAccount.objects.filter(organization__in=request.panel.orgs(Role.USERS, narrow=False)), pk=account_pk
    )
    try:
        staff_services.detach_account(user, account, acting_user=request.user)
    except StaffActionError as exc:
        raise Http404 from exc
    messages.success(request, _("Account %(number)s unlinked.") % {"number": account.number})
    if not staff_services.consumers_of(request.panel.orgs(Role.USERS, narrow=False)).filter(pk=user.pk).exists():
        messages.info(request, _("The user has no more accounts in your organisations and left your list."))
        return redirect("panel:user_list")
    return redirect("panel:user_detail", pk=user.pk)


@require_POST
@panel_view(Role.USERS, module="users")
def user_set_active(request, pk):
    user = _scoped_user(request, pk)
    active = request.POST.get("active") == "1"
    try:
        staff_services.set_consumer_active(user, active, acting_user=request.user)
    except StaffActionError as exc:
        messages.error(request, staff_action_message(exc)[1])
    else:
        messages.success(request, _("User unblocked.") if active else _("User blocked."))
    return redirect("panel:user_detail", pk=user.pk)


@panel_view(Role.USERS, module="users")
def user_password(request, pk):
    user = _scoped_user(request, pk)
    form = PasswordResetForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                password = staff_services.reset_consumer_password(
                    user, form.cleaned_data["password"] or None, acting_user=request.user
                )
        except StaffActionError as exc:
            form.add_service_error(*staff_action_message(exc))
        else:
            if not form.cleaned_data["password"]:
                _show_password_once(request, user, password)
            messages.success(request, _("Password changed."))
            return redirect("panel:user_detail", pk=user.pk)
    return render(request, "panel/user_password.html", {"subject": user, "form": form})
