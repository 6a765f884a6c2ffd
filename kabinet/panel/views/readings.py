"""New readings (role `readings`): the review list with filters, accept, reject with a reason, bulk
accept, and the export of readings for the organisation's own billing."""

import csv
import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kabinet.core.roles import Role
from kabinet.metering import selectors as metering
from kabinet.metering import services
from kabinet.metering.models import Reading, ReadingExport
from kabinet.panel import selectors
from kabinet.panel.metering_forms import ExportForm, ReadingFilterForm, RejectForm
from kabinet.panel.scope import panel_view
from kabinet.panel.views.common import paginate, safe_next

BULK_LIMIT = 500  # readings accepted in one request (a page of the list is 25)


def _review_list(request):
    """The user's readings narrowed to the switcher's choice, through the metering selector."""
    return metering.staff_readings(request.user).filter(meter__organization__in=request.panel.orgs(Role.READINGS))


def _scoped_reading(request, pk):
    return get_object_or_404(metering.staff_readings(request.user), pk=pk)


@panel_view(Role.READINGS, module="readings")
def reading_list(request):
    orgs = request.panel.orgs(Role.READINGS)
    form = ReadingFilterForm(request.GET, buildings=selectors.buildings_of(orgs), services=selectors.services_of(orgs))
    filters = {k: v for k, v in form.filters().items() if v is not None}
    readings = metering.staff_readings(request.user, **filters).filter(meter__organization__in=orgs)
    return render(request, "panel/reading_list.html", {
        "form": form, "page": paginate(request, readings), "reject_form": RejectForm(),
    })


def _back(request):
    return redirect(safe_next(request, fallback="panel:reading_list"))


@require_POST
@panel_view(Role.READINGS, module="readings")
def reading_accept(request, pk):
    reading = _scoped_reading(request, pk)
    try:
        services.accept_reading(reading, acting_user=request.user)
    except services.MeteringError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Reading accepted: %(meter)s, %(value)s.") % {
            "meter": reading.meter, "value": reading.value.normalize()})
    return _back(request)


@panel_view(Role.READINGS, module="readings")
def reading_reject(request, pk):
    reading = _scoped_reading(request, pk)
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reject_reading(reading, form.cleaned_data["reason"], acting_user=request.user)
        except services.MeteringError as exc:
            form.add_error("reason" if reading.status in (Reading.Status.NEW, Reading.Status.ACCEPTED) else None,
                           exc.message)
        else:
            messages.success(request, _("Reading rejected; the consumer sees the reason."))
            return _back(request)
    return render(request, "panel/reading_reject.html", {"reading": reading, "form": form,
                                                         "next": safe_next(request, fallback="")},
                  status=400 if form.errors else 200)


@require_POST
@panel_view(Role.READINGS, module="readings")
def reading_bulk_accept(request):
    ids = [int(v) for v in request.POST.getlist("reading") if v.isdigit()][:BULK_LIMIT]
    if not ids:
        messages.error(request, _("Select the readings to accept."))
        return _back(request)
    readings = list(metering.staff_readings(request.user).filter(pk__in=ids).order_by("pk"))
    if len(readings) != len(set(ids)):
        raise Http404  # someone else's reading or a missing one: nothing is done
    accepted, failed = 0, []
    for reading in readings:
        try:
            services.accept_reading(reading, acting_user=request.user)
        except services.MeteringError as exc:
            failed.append(f"{reading.meter.serial_number} {reading.zone}: {exc.message}")
        else:
            accepted += 1
    if accepted:
        messages.success(request, ngettext("%(count)s reading accepted.", "%(count)s readings accepted.",
                                           accepted) % {"count": accepted})
    for message in failed:
        messages.error(request, message)
    return _back(request)


# --- Export ------------------------------------------------------------------------------------------------------

def _csv_response(rows, filename):
    """UTF-8 with a BOM and semicolons, so Excel in a Russian locale opens it as columns; a point
    for decimals and ISO dates, so programs read it unambiguously."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response.write("\ufeff")
    writer = csv.DictWriter(response, fieldnames=metering.EXPORT_COLUMNS, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v.isoformat() if isinstance(v, dt.date) else v)
                         for k, v in row.items()})
    return response


def _xlsx_response(rows, filename):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Readings"))
    sheet.append(list(metering.EXPORT_COLUMNS))
    for row in rows:
        sheet.append([row[column] for column in metering.EXPORT_COLUMNS])
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    workbook.save(response)
    return response


@panel_view(Role.READINGS, module="readings")
def reading_export(request):
    scope = request.panel
    organizations = scope.orgs(Role.READINGS).order_by("path")
    form = ExportForm(request.POST or None, organizations=organizations,
                      initial_organization=scope.current or organizations.first())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            log, rows = services.export_readings(data["organization"], data["period"], acting_user=request.user,
                                                 only_new=data["only_new"])
        except services.MeteringError as exc:
            form.add_error(None, exc.message)
        else:
            filename = f"readings-{log.period:%Y-%m}-{log.pk}"
            if data["file_format"] == "csv":
                return _csv_response(rows, filename)
            return _xlsx_response(rows, filename)
    exports = ReadingExport.objects.filter(organization__in=organizations).select_related("organization", "created_by")
    return render(request, "panel/reading_export.html", {"form": form, "page": paginate(request, exports)})
