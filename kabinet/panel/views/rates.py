"""Tariffs, normatives and building groups of an organisation (roles `data_loading` or
`manual_editing`): the list with what is in force today, create, edit with the change history, delete.
The engine prices each run with them (`kabinet.billing.loading.Rates`)."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.billing import rate_editing
from kabinet.billing.models import BuildingGroup, Normative, Tariff
from kabinet.core.models import Organization
from kabinet.panel import selectors
from kabinet.panel.history import format_date, history_rows
from kabinet.panel.rate_forms import BuildingGroupForm, NormativeForm, TariffForm
from kabinet.panel.scope import RATE_ROLES, panel_view
from kabinet.panel.views.common import organization_or_choice
from kabinet.registry.models import Building, Service

KINDS = {"tariff": Tariff, "normative": Normative, "group": BuildingGroup}
HISTORY_FIELDS = {
    Tariff: ("service", "zone", "price", "valid_from", "valid_to", "building", "building_group"),
    Normative: ("service", "value", "basis", "valid_from", "valid_to"),
    BuildingGroup: ("name", "buildings"),
}


def _related(model):
    return lambda pk: str(model.objects.filter(pk=pk).first() or "—") if pk else "—"


HISTORY_FORMATTERS = {
    "valid_from": format_date, "valid_to": format_date, "service": _related(Service),
    "building": _related(Building),
    "building_group": _related(BuildingGroup),
    "buildings": lambda rows: ", ".join(str(b) for b in Building.objects.filter(
        pk__in=[row["building"] for row in rows or ()])) or "—",
    "basis": lambda v: Normative.Basis(v).label if v in Normative.Basis.values else v or "—",
}


def _organization(request, pk) -> Organization:
    return get_object_or_404(request.panel.orgs(RATE_ROLES, narrow=False), pk=pk)


def _own(request, model, pk):
    """An object of an organisation the staff member may price for, or 404."""
    return get_object_or_404(model.objects.filter(organization__in=request.panel.orgs(RATE_ROLES, narrow=False))
                             .select_related("organization"), pk=pk)


@panel_view(RATE_ROLES, module="rates")
def rates(request):
    """The chosen organisation's page, or the list to choose an organisation from."""
    return organization_or_choice(request, request.panel.orgs(RATE_ROLES), heading=_("Tariffs and normatives"),
                                  detail="panel:rates_detail")


def in_force(rows, key, today):
    """Mark the row in force today for each key (the latest start on or before today that has not
    ended): the one the next run of this month prices with."""
    latest = {}
    for row in rows:
        if row.valid_from <= today and (row.valid_to is None or row.valid_to >= today):
            k = key(row)
            if k not in latest or row.valid_from > latest[k].valid_from:
                latest[k] = row
    current = {row.pk for row in latest.values()}
    for row in rows:
        row.in_force = row.pk in current
    return rows


@panel_view(RATE_ROLES, module="rates")
def rates_detail(request, pk):
    organization = _organization(request, pk)
    today = timezone.localdate()
    show_ended = request.GET.get("ended") == "1"
    ended = Q(valid_to__lt=today)
    tariffs = Tariff.objects.filter(organization=organization).select_related("service", "building", "building_group")
    normatives = Normative.objects.filter(organization=organization).select_related("service")
    hidden = {"tariffs": tariffs.filter(ended).count(), "normatives": normatives.filter(ended).count()}
    if not show_ended:
        tariffs, normatives = tariffs.exclude(ended), normatives.exclude(ended)
    tariffs = in_force(list(tariffs.order_by("service__name", "zone", "building", "building_group", "-valid_from")),
                       lambda t: (t.service_id, t.zone, t.building_id, t.building_group_id), today)
    normatives = in_force(list(normatives.order_by("service__name", "basis", "-valid_from")),
                          lambda n: (n.service_id, n.basis), today)
    groups = BuildingGroup.objects.filter(organization=organization).annotate(
        building_count=Count("buildings", distinct=True), tariff_count=Count("tariffs", distinct=True))
    return render(request, "panel/rates.html", {
        "organization": organization, "tariffs": tariffs, "normatives": normatives, "groups": groups,
        "show_ended": show_ended, "hidden": hidden,
    })


def _buildings(organization):
    return selectors.buildings_of(Organization.objects.filter(pk=organization.pk))


def _form(kind, organization, data, instance):
    services = Service.objects.filter(organization=organization).order_by("name")
    if kind == "tariff":
        return TariffForm(data, instance=instance, services=services, buildings=_buildings(organization),
                          groups=BuildingGroup.objects.filter(organization=organization))
    if kind == "normative":
        return NormativeForm(data, instance=instance, services=services)
    return BuildingGroupForm(data, instance=instance, buildings=_buildings(organization))


def _edit(request, kind, organization, obj=None):
    """The form of a new object (obj None) or of `obj`; saved through rate_editing."""
    instance = copy.copy(obj) if obj is not None else KINDS[kind](organization=organization)
    # The form works on a copy: an invalid POST must not show its values as the saved ones.
    form = _form(kind, organization, request.POST or None, instance)
    if request.method == "POST" and form.is_valid():
        try:
            if kind == "group":
                rate_editing.save_building_group(form.instance, form.cleaned_data["buildings"],
                                                 acting_user=request.user)
            else:
                rate_editing.save_rate(form.instance, acting_user=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Saved. The next billing run of an open period prices with it."))
            return redirect("panel:rates_detail", pk=organization.pk)
    history = []
    if obj is not None:
        model = type(obj)
        history = history_rows(model, obj.history.all(), HISTORY_FIELDS[model], HISTORY_FORMATTERS)
    return render(request, "panel/rate_form.html", {
        "form": form, "organization": organization, "object": obj, "kind": kind, "history": history,
    }, status=400 if form.errors else 200)


@panel_view(RATE_ROLES, module="rates")
def rate_create(request, pk, kind):
    if kind not in KINDS:
        raise Http404
    return _edit(request, kind, _organization(request, pk))


@panel_view(RATE_ROLES, module="rates")
def rate_edit(request, kind, pk):
    if kind not in KINDS:
        raise Http404
    obj = _own(request, KINDS[kind], pk)
    return _edit(request, kind, obj.organization, obj)


@require_POST
@panel_view(RATE_ROLES, module="rates")
def rate_delete(request, kind, pk):
    if kind not in KINDS:
        raise Http404
    obj = _own(request, KINDS[kind], pk)
    if not request.POST.get("confirm"):
        messages.error(request, _("Tick the box to confirm the deletion."))
        return redirect("panel:rate_edit", kind=kind, pk=obj.pk)
    try:
        rate_editing.delete_rate(obj, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("panel:rate_edit", kind=kind, pk=obj.pk)
    messages.success(request, _("Deleted: %(object)s.") % {"object": obj})
    return redirect("panel:rates_detail", pk=obj.organization_id)
