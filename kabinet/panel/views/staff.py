"""Staff members (role `staff`): list with roles, add, edit roles, block; the change history."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.accounts import staff_services
from kabinet.accounts.models import User
from kabinet.accounts.staff_services import StaffActionError
from kabinet.core import services
from kabinet.core.models import Membership
from kabinet.core.roles import Role
from kabinet.panel import selectors
from kabinet.panel.forms import MemberForm, StaffAddForm, staff_action_message
from kabinet.panel.history import format_roles, history_rows
from kabinet.panel.scope import panel_view
from kabinet.panel.views.common import paginate

HISTORY_FIELDS = ("roles", "position", "is_active")


def _scoped_membership(request, pk):
    members = Membership.objects.filter(organization__in=request.panel.orgs(Role.STAFF, narrow=False))
    return get_object_or_404(members.select_related("user", "organization"), pk=pk)


def _grantable_anywhere(scope):
    """Roles the actor may hand out somewhere in the selection (the form offers only these)."""
    if scope.operator:
        return set(Role.values)
    roles = set()
    for m in scope.memberships:
        if Role.STAFF in m.roles:
            roles.update(m.roles)
    return roles


@panel_view(Role.STAFF, module="staff")
def staff_list(request):
    query = request.GET.get("q", "").strip()
    members = selectors.search_members(request.panel.orgs(Role.STAFF), query)
    return render(request, "panel/staff_list.html", {"page": paginate(request, members), "q": query})


@panel_view(Role.STAFF, module="staff")
def staff_add(request):
    scope = request.panel
    organizations = scope.orgs(Role.STAFF).order_by("path")
    initial_org = scope.current if scope.current and Role.STAFF in scope.roles_on(scope.current) else None
    form = StaffAddForm(request.POST or None, organizations=organizations, initial_organization=initial_org)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        generated = None
        try:
            with transaction.atomic():
                user = User.objects.filter(email=data["email"]).first()
                if user is None:
                    user, generated = staff_services.create_user(
                        full_name=data["full_name"], email=data["email"], phone=data["phone"],
                        password=data["password"] or None, acting_user=request.user,
                    )
                membership = services.add_staff_member(
                    data["organization"], user, data["roles"], position=data["position"], acting_user=request.user
                )
        except StaffActionError as exc:
            form.add_service_error(*staff_action_message(exc))
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            if generated:
                request.session["panel_shown_member_password"] = {"membership": membership.pk, "password": generated}
            messages.success(request, _("Staff member added."))
            return redirect("panel:staff_detail", pk=membership.pk)
    return render(request, "panel/staff_add.html", {"form": form, "grantable": _grantable_anywhere(scope)})


@panel_view(Role.STAFF, module="staff")
def staff_detail(request, pk):
    membership = _scoped_membership(request, pk)
    grantable = services.grantable_roles(request.user, membership.organization)
    form = MemberForm(request.POST or None, initial={"roles": membership.roles, "position": membership.position})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_member_roles(membership, form.cleaned_data["roles"], position=form.cleaned_data["position"],
                                      acting_user=request.user)
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Changes saved."))
            return redirect("panel:staff_detail", pk=membership.pk)
    shown = request.session.pop("panel_shown_member_password", None)
    return render(request, "panel/staff_detail.html", {
        "membership": membership,
        "form": form,
        "grantable": grantable,
        "shown_password": shown["password"] if shown and shown.get("membership") == membership.pk else None,
        "history": history_rows(Membership, membership.history.all(), HISTORY_FIELDS, {"roles": format_roles}),
    })


@require_POST
@panel_view(Role.STAFF, module="staff")
def staff_set_active(request, pk):
    membership = _scoped_membership(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_membership_active(membership, active, acting_user=request.user)
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Access restored.") if active else _("Staff member blocked."))
    return redirect("panel:staff_detail", pk=membership.pk)
