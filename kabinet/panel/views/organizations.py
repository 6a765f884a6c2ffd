"""Organisation properties (role `organization`) and, for the operator, creating organisations."""

import copy

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kabinet.core import services
from kabinet.core.models import Organization
from kabinet.core.roles import Role
from kabinet.panel.forms import OrganizationCreateForm, OrganizationForm
from kabinet.panel.history import history_rows
from kabinet.panel.scope import panel_view
from kabinet.panel.views.common import paginate

HISTORY_FIELDS = services.EDITABLE_FIELDS + ("kind", "is_active")


@panel_view(Role.ORGANIZATION, module="organization")
def organization_home(request):
    """The current organisation's properties, or the list to choose one from."""
    scope = request.panel
    current = scope.current
    if current is not None and Role.ORGANIZATION in scope.roles_on(current):
        return redirect("panel:organization_detail", pk=current.pk)
    return redirect("panel:organization_list")


@panel_view(Role.ORGANIZATION, module="organization")
def organization_list(request):
    scope = request.panel
    query = request.GET.get("q", "").strip()
    organizations = scope.orgs(Role.ORGANIZATION).select_related("parent").order_by("path")
    if query:
        organizations = organizations.filter(
            Q(name__icontains=query) | Q(short_name__icontains=query) | Q(inn__startswith=query)
        )
    if scope.operator:
        request.panel_module = "organizations"
    return render(request, "panel/organization_list.html", {"page": paginate(request, organizations), "q": query})


@panel_view(Role.ORGANIZATION, module="organization")
def organization_detail(request, pk):
    scope = request.panel
    organization = get_object_or_404(scope.orgs(Role.ORGANIZATION, narrow=False), pk=pk)
    # The form works on a copy: an invalid POST must not show its values as the saved ones.
    form = OrganizationForm(request.POST or None, instance=copy.copy(organization))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_organization(organization, form.changes(), acting_user=request.user)
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            if changed:
                messages.success(request, _("Changes saved."))
            else:
                messages.info(request, _("Nothing has changed."))
            return redirect("panel:organization_detail", pk=organization.pk)
    return render(request, "panel/organization_detail.html", {
        "organization": organization,
        "form": form,
        "children": organization.children.order_by("name"),
        "history": history_rows(Organization, organization.history.all(), HISTORY_FIELDS,
                                {"kind": lambda v: Organization.Kind(v).label if v else "—"},
                                labels={name: field.label for name, field in form.fields.items()}),
    })


@panel_view(operator_only=True, module="organizations")
def organization_create(request):
    initial = {}
    if request.GET.get("parent", "").isdigit():
        initial["parent"] = int(request.GET["parent"])
    form = OrganizationCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organization = services.create_organization(
                name=data["name"], short_name=data["short_name"], kind=data["kind"], parent=data["parent"],
                acting_user=request.user,
            )
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Organisation «%(name)s» created.") % {"name": organization})
            return redirect("panel:organization_detail", pk=organization.pk)
    return render(request, "panel/organization_create.html", {"form": form})
