"""Meters (seen with the `readings` or `manual_editing` role, changed with `manual_editing`): list with
search and filters, the meter page with its readings, seals and change history; create, edit, replace,
retire, seal; a reading entered for the consumer (role `readings`)."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kabinet.core.roles import Role
from kabinet.metering import selectors as metering
from kabinet.metering import services
from kabinet.metering.models import Meter
from kabinet.panel import selectors
from kabinet.panel.history import format_date, history_rows
from kabinet.panel.metering_forms import (
    EnterReadingForm,
    MeterCreateForm,
    MeterEditForm,
    MeterFilterForm,
    ReplaceMeterForm,
    RetireMeterForm,
    SealForm,
)
from kabinet.panel.scope import METER_ROLES, panel_view
from kabinet.panel.views.common import paginate
from kabinet.registry.models import PersonalAccount

HISTORY_FIELDS = ("serial_number", "resource", "zone_count", "digits", "decimals", "installed_on",
                  "verification_due", "seal_number", "status", "retired_on", "is_registered")
HISTORY_FORMATTERS = {
    "resource": lambda v: Meter.Resource(v).label if v else "—",
    "zone_count": lambda v: Meter.Zones(v).label if v else "—",
    "status": lambda v: Meter.Status(v).label if v else "—",
    "installed_on": format_date,
    "verification_due": format_date,
    "retired_on": format_date,
}
READINGS_SHOWN = 100


def _meter_for_editing(request, pk) -> Meter:
    meter = metering.staff_meter(request.user, pk, Role.MANUAL_EDITING)
    if meter is None:
        raise Http404
    return meter


def _apply_issues(form, error: services.MeteringError, field_for=None):
    """Put a service's refusal next to its field when the form has one, else on top of the form."""
    placed = False
    for issue in error.issues:
        name = field_for(issue) if field_for else issue.field
        if name in form.fields:
            form.add_error(name, issue.message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


@panel_view(METER_ROLES, module="meters")
def meter_list(request):
    orgs = request.panel.orgs(METER_ROLES)
    form = MeterFilterForm(request.GET, services=selectors.services_of(orgs))
    query = request.GET.get("q", "").strip()
    meters = selectors.search_meters(orgs, query, **form.filters())
    return render(request, "panel/meter_list.html", {
        "form": form, "page": paginate(request, meters), "q": query,
        "can_create": request.panel.has_role(Role.MANUAL_EDITING),
    })


def _render_meter(request, meter, enter_form=None, status=200):
    roles = request.panel.roles_on(meter.organization)
    can_enter = Role.READINGS in roles and meter.status == Meter.Status.ACTIVE
    if can_enter and enter_form is None:
        enter_form = EnterReadingForm(meter=meter)
    readings = metering.reading_history(meter).select_related("reviewed_by")[:READINGS_SHOWN]
    return render(request, "panel/meter_detail.html", {
        "meter": meter,
        "replaces": Meter.objects.filter(replaced_by=meter).only("pk", "serial_number"),
        "readings": readings,
        "seals": meter.seals.select_related("set_by").order_by("-sealed_on", "-pk"),
        "history": history_rows(Meter, meter.history.all(), HISTORY_FIELDS, HISTORY_FORMATTERS),
        "can_edit": Role.MANUAL_EDITING in roles,
        "can_enter": can_enter,
        "enter_form": enter_form,
        "seal_form": SealForm() if Role.MANUAL_EDITING in roles and meter.status == Meter.Status.ACTIVE else None,
    }, status=status)


@panel_view(METER_ROLES, module="meters")
def meter_detail(request, pk):
    meters = Meter.objects.filter(organization__in=request.panel.orgs(METER_ROLES, narrow=False))
    meter = get_object_or_404(meters.select_related("service", "organization", "account__premises__building",
                                                    "building", "replaced_by"), pk=pk)
    return _render_meter(request, meter)


@panel_view(Role.READINGS, module="meters")
def meter_enter_reading(request, pk):
    """A reading the consumer gave at the office or by phone: checked like the consumer's, stored accepted."""
    meter = metering.staff_meter(request.user, pk, Role.READINGS)
    if meter is None:
        raise Http404
    if request.method != "POST":
        return redirect("panel:meter_detail", pk=meter.pk)
    form = EnterReadingForm(request.POST, meter=meter)
    if form.is_valid():
        try:
            submission = services.enter_reading_for_consumer(
                meter, form.values(), acting_user=request.user, mode=form.cleaned_data["mode"],
                confirm_rollover=form.cleaned_data["confirm_rollover"],
            )
        except services.ReadingsRejected as exc:
            by_key = exc.preview.errors_by_key()
            for zone in meter.zones:
                for message in by_key.pop(f"{meter.pk}:{zone}", []):
                    form.add_error(f"value_{zone}", message)
            for message in [m for messages_ in by_key.values() for m in messages_]:
                form.add_error(None, message)
        else:
            values = ", ".join(f"{r.zone} {r.value.normalize()}" for r in submission.readings)
            messages.success(request, _("Reading entered and accepted: %(values)s.") % {"values": values})
            return redirect("panel:meter_detail", pk=meter.pk)
    return _render_meter(request, meter, enter_form=form, status=400)


def _meter_create_form(request):
    scope = request.panel
    orgs = scope.orgs(Role.MANUAL_EDITING)
    return MeterCreateForm(
        request.POST or None, buildings=selectors.buildings_of(orgs), organizations=orgs.order_by("path"),
        services=selectors.services_of(orgs), initial_organization=scope.current,
    )


def _find_account(request, number):
    """The account with this number among the organisations in the switcher's selection, or an error."""
    number = (number or "").strip().replace(" ", "")
    accounts = list(PersonalAccount.objects.filter(organization__in=request.panel.orgs(Role.MANUAL_EDITING),
                                                   number=number).select_related("organization")[:2])
    if not accounts:
        return None, _("No account with this number in your organisations. Check the number.")
    if len(accounts) > 1:
        return None, _("Several of your organisations have an account with this number. "
                       "Choose the organisation in the switcher at the top, then try again.")
    return accounts[0], None


@panel_view(Role.MANUAL_EDITING, module="meters")
def meter_create(request):
    form = _meter_create_form(request)
    if request.method == "POST":
        account = account_error = None
        if request.POST.get("kind") == "individual" and request.POST.get("account_number", "").strip():
            account, account_error = _find_account(request, request.POST["account_number"])
        valid = form.is_valid()
        if account_error:
            form.add_error("account_number", account_error)
            # The number is not shown back: the page looks the same whether or not another
            # organisation has such an account (the isolation matrix checks it).
            form.data = form.data.copy()
            form.data["account_number"] = ""
        elif valid:
            data = form.cleaned_data
            individual = data["kind"] == "individual"
            try:
                meter = services.create_meter(
                    acting_user=request.user, service=data["service"], serial_number=data["serial_number"],
                    account=account if individual else None, building=None if individual else data["building"],
                    organization=None if individual else data["organization"],
                    seal_number=data["seal_number"], **form.meter_fields(),
                )
            except services.MeteringError as exc:
                _apply_issues(form, exc)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Meter %(serial)s registered.") % {"serial": meter.serial_number})
                return redirect("panel:meter_detail", pk=meter.pk)
    return render(request, "panel/meter_form.html", {"form": form, "meter": None})


@panel_view(Role.MANUAL_EDITING, module="meters")
def meter_edit(request, pk):
    meter = _meter_for_editing(request, pk)
    # The form works on a copy: an invalid POST must not show its values as the saved ones.
    form = MeterEditForm(request.POST or None, instance=copy.copy(meter))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_meter(meter, {name: form.cleaned_data[name] for name in MeterEditForm.Meta.fields},
                                            acting_user=request.user)
        except services.MeteringError as exc:
            _apply_issues(form, exc)
        else:
            messages.success(request, _("Changes saved.") if changed else _("Nothing has changed."))
            return redirect("panel:meter_detail", pk=meter.pk)
    return render(request, "panel/meter_form.html", {"form": form, "meter": meter},
                  status=400 if form.errors else 200)


def _active_or_back(request, meter):
    if meter.status != Meter.Status.ACTIVE:
        messages.error(request, _("The meter is out of use: it cannot be changed."))
        return redirect("panel:meter_detail", pk=meter.pk)
    return None


@panel_view(Role.MANUAL_EDITING, module="meters")
def meter_replace(request, pk):
    meter = _meter_for_editing(request, pk)
    if (back := _active_or_back(request, meter)) is not None:
        return back
    form = ReplaceMeterForm(request.POST or None, meter=meter)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = services.replace_meter(
                meter, acting_user=request.user, final_values={z: data[f"final_{z}"] for z in meter.zones},
                serial_number=data["serial_number"], initial_values=form.initial_values(),
                replaced_on=data["replaced_on"], zone_count=data["zone_count"], digits=data["digits"],
                decimals=data["decimals"], verification_due=data["verification_due"],
                seal_number=data["seal_number"], confirm_rollover=data["confirm_rollover"],
            )
        except services.MeteringError as exc:
            _apply_issues(form, exc, lambda issue: (
                f"{'final' if issue.meter_id == meter.pk else 'initial'}_{issue.zone}"
                if issue.field == "value" else issue.field))
        else:
            messages.success(request, _("Meter %(old)s replaced by %(new)s.") % {
                "old": meter.serial_number, "new": new.serial_number})
            return redirect("panel:meter_detail", pk=new.pk)
    return render(request, "panel/meter_action.html", {
        "form": form, "meter": meter, "title": _("Replace the meter"), "submit": _("Replace"),
    }, status=400 if form.errors else 200)


@panel_view(Role.MANUAL_EDITING, module="meters")
def meter_retire(request, pk):
    meter = _meter_for_editing(request, pk)
    if (back := _active_or_back(request, meter)) is not None:
        return back
    form = RetireMeterForm(request.POST or None, meter=meter)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.retire_meter(meter, acting_user=request.user, retired_on=data["retired_on"],
                                  final_values=form.final_values(), reason=data["reason"])
        except services.MeteringError as exc:
            _apply_issues(form, exc, lambda issue: f"final_{issue.zone}" if issue.field == "value" else issue.field)
        else:
            messages.success(request, _("Meter %(serial)s taken out of use.") % {"serial": meter.serial_number})
            return redirect("panel:meter_detail", pk=meter.pk)
    return render(request, "panel/meter_action.html", {
        "form": form, "meter": meter, "title": _("Take the meter out of use"), "submit": _("Take out of use"),
        "danger": True,
    }, status=400 if form.errors else 200)


@panel_view(Role.MANUAL_EDITING, module="meters")
def meter_seal(request, pk):
    meter = _meter_for_editing(request, pk)
    if (back := _active_or_back(request, meter)) is not None:
        return back
    form = SealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.set_seal(meter, data["seal_number"], acting_user=request.user, sealed_on=data["sealed_on"],
                              note=data["note"])
        except services.MeteringError as exc:
            form.add_error("seal_number", exc.message)
        else:
            messages.success(request, _("Seal %(number)s recorded.") % {"number": data["seal_number"].strip()})
            return redirect("panel:meter_detail", pk=meter.pk)
    return render(request, "panel/meter_action.html", {
        "form": form, "meter": meter, "title": _("New seal"), "submit": _("Record the seal"),
    }, status=400 if form.errors else 200)
