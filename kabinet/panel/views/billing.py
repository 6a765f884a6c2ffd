"""Billing in the panel: the turnover sheet with its CSV/XLSX export (role `data_loading` or
`organization`), and «Расчёт» — billing runs as tasks with a progress bar, their history, the monthly
schedule and closing a period (role `data_loading`)."""

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kabinet.billing import common_house, reports, tasks
from kabinet.billing.models import BillingPeriod, BillingRun, BillingSchedule
from kabinet.billing.services import BillingError, close_period
from kabinet.core.money import period_start
from kabinet.core.roles import BILLING_ROLE, TURNOVER_ROLES
from kabinet.panel import selectors
from kabinet.panel.billing_forms import BillingRunForm, ClosePeriodForm, ScheduleForm, TurnoverFilterForm
from kabinet.panel.scope import panel_view
from kabinet.panel.views.common import paginate
from kabinet.registry.models import PersonalAccount

# Codes of RunReport.problems, in words.
PROBLEMS = {
    "no_area": gettext_lazy("no area given"),
    "no_normative": gettext_lazy("no normative set"),
    "no_source_volume": gettext_lazy("nothing to add up for a sum of volumes (no lines of its services)"),
    # Common-house needs (kabinet.billing.common_house): counted per building, or per account for the area.
    common_house.NO_HOUSE_READING: gettext_lazy("common-house needs: a house meter without readings for the period"),
    common_house.HOUSE_METER_UNVERIFIED: gettext_lazy("common-house needs: a house meter's verification has expired"),
    common_house.NO_AREA: gettext_lazy("common-house needs: an account without an area gets no share"),
    common_house.NO_COMMON_AREA: gettext_lazy(
        "common-house needs: a building without its common area, so no cap by the normative"),
    common_house.NO_TARIFF: gettext_lazy("common-house needs: no tariff for every zone"),
    common_house.INDIVIDUAL_EXCEEDS_HOUSE: gettext_lazy(
        "common-house needs: more charged individually than the house meter counted"),
}


# --- Turnover sheet -----------------------------------------------------------------------------------------------

def _turnover(request):
    orgs = request.panel.orgs(TURNOVER_ROLES)
    form = TurnoverFilterForm(request.GET, buildings=selectors.buildings_of(orgs))
    filters = form.filters()
    accounts = PersonalAccount.objects.filter(organization__in=orgs)
    if filters["building"] is not None:
        accounts = accounts.filter(premises__building=filters["building"])
    return form, reports.turnover(accounts, filters["period_from"], filters["period_to"])


@panel_view(TURNOVER_ROLES, module="turnover")
def turnover(request):
    form, report = _turnover(request)
    return render(request, "panel/turnover.html", {
        "form": form, "report": report, "page": paginate(request, report.rows),
        "query": request.GET.urlencode(),
    })


EXPORT_COLUMNS = ("level", "account", "address", "opening", "charged", "recalculated", "paid", "penalty", "closing")


def _export_rows(report):
    """Accounts, then buildings, organisations and the total (`level` says which), then the statement."""
    def figures(item):
        return [getattr(item, name) for name in reports.FIGURES]

    for row in report.rows:
        yield ["account", row.number, row.address, *figures(row)]
    for building in report.buildings:
        yield ["building", "", building.address, *figures(building)]
    for organization in report.organizations:
        yield ["organization", "", organization.name, *figures(organization)]
    yield ["total", "", "", *figures(report.total)]
    yield ["statement", "", report.statement] + [""] * len(reports.FIGURES)


@panel_view(TURNOVER_ROLES, module="turnover")
def turnover_export(request):
    _form, report = _turnover(request)
    filename = f"turnover-{report.period_from:%Y-%m}-{report.period_to:%Y-%m}"
    if request.GET.get("file_format") == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Turnover sheet"))
        sheet.append(list(EXPORT_COLUMNS))
        for row in _export_rows(report):
            sheet.append(row)
        response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        workbook.save(response)
        return response
    # As the readings export: UTF-8 with a BOM and semicolons (Excel in a Russian locale), a point for
    # decimals (programs read it unambiguously).
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(_export_rows(report))
    return response


# --- Billing runs («Расчёт») --------------------------------------------------------------------------------------

def _billing_orgs(request):
    return request.panel.orgs(BILLING_ROLE).order_by("path")


def _initial(request, organizations):
    return request.panel.current or organizations.first()


@panel_view(BILLING_ROLE, module="billing")
def billing_runs(request):
    """The runs of the chosen organisations, newest first; POST starts one."""
    organizations = _billing_orgs(request)
    initial = _initial(request, organizations)
    form = BillingRunForm(request.POST or None, organizations=organizations, initial_organization=initial)
    if request.method == "POST" and form.is_valid():
        try:
            run = tasks.start_billing_run(form.cleaned_data["organization"], form.cleaned_data["period"],
                                          acting_user=request.user)
        except BillingError as exc:
            form.add_error("period", str(exc))
        else:
            messages.success(request, _("The billing run of %(period)s is queued; you may leave this page and "
                                        "come back.") % {"period": f"{run.period:%m.%Y}"})
            return redirect("panel:billing_run_detail", pk=run.pk)
    runs = (BillingRun.objects.filter(organization__in=organizations)
            .select_related("organization", "started_by"))
    page = paginate(request, runs)
    for run in page.object_list:
        tasks.with_live_progress(run)
    periods = (BillingPeriod.objects.filter(organization__in=organizations)
               .select_related("organization", "closed_by").order_by("-period", "organization__path")[:24])
    schedules = {s.organization_id: s for s in BillingSchedule.objects.filter(organization__in=organizations)}
    schedule = schedules.get(initial.pk) if initial else None
    schedule_form = ScheduleForm(organizations=organizations, initial_organization=initial, initial={
        "close_day": schedule.close_day if schedule else None,
        "month": schedule.month if schedule else BillingSchedule.Month.CURRENT,
    })
    return render(request, "panel/billing_runs.html", {
        "form": form, "page": page, "periods": periods, "schedule_form": schedule_form,
        "schedules": [s for s in schedules.values() if s.close_day],
        "active": any(run.is_active for run in page.object_list),
    }, status=400 if form.errors else 200)


def _scoped_run(request, pk):
    return get_object_or_404(BillingRun.objects.filter(organization__in=request.panel.orgs(BILLING_ROLE,
                                                                                         narrow=False))
                             .select_related("organization", "started_by"), pk=pk)


@panel_view(BILLING_ROLE, module="billing")
def billing_run_detail(request, pk):
    """One run: the progress bar while it runs (htmx polls the fragment; without JavaScript the page
    refreshes itself), then the report."""
    run = tasks.with_live_progress(_scoped_run(request, pk))
    problems = [(PROBLEMS.get(code, code), count) for code, count in sorted(run.problems.items())]
    context = {"run": run, "problems": problems}
    if request.headers.get("HX-Request"):
        return render(request, "panel/_billing_run_status.html", context)
    return render(request, "panel/billing_run_detail.html", context)


@require_POST
@panel_view(BILLING_ROLE, module="billing")
def billing_schedule(request):
    organizations = _billing_orgs(request)
    form = ScheduleForm(request.POST, organizations=organizations)
    if form.is_valid():
        data = form.cleaned_data
        tasks.set_billing_schedule(data["organization"], data["close_day"], data["month"], acting_user=request.user)
        if data["close_day"]:
            messages.success(request, _("The monthly run of %(organization)s starts on day %(day)s.") % {
                "organization": data["organization"], "day": data["close_day"]})
        else:
            messages.success(request, _("%(organization)s has no automatic monthly run now.") % {
                "organization": data["organization"]})
        return redirect("panel:billing_runs")
    return render(request, "panel/billing_schedule.html", {"schedule_form": form}, status=400)


@panel_view(BILLING_ROLE, module="billing")
def billing_close_period(request):
    """Close a period after a confirmation (GET with ?organization=&period= fills the form)."""
    organizations = _billing_orgs(request)
    form = ClosePeriodForm(request.POST or None, organizations=organizations,
                           initial_organization=_initial(request, organizations),
                           initial={"period": request.GET.get("period", "")})
    if request.GET.get("organization", "").isdigit():
        form.fields["organization"].initial = int(request.GET["organization"])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["period"] > period_start(timezone.localdate()):
            form.add_error("period", _("A month that has not begun cannot be closed."))
        elif BillingRun.objects.filter(organization=data["organization"], period=data["period"],
                                       status__in=(BillingRun.Status.QUEUED, BillingRun.Status.RUNNING)).exists():
            form.add_error("period", _("A billing run of this period is not finished yet: wait for it."))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        period = close_period(data["organization"], data["period"], acting_user=request.user)
        messages.success(request, _("The period %(period)s of %(organization)s is closed.") % {
            "period": f"{period.period:%m.%Y}", "organization": data["organization"]})
        return redirect("panel:billing_runs")
    return render(request, "panel/billing_close.html", {"form": form}, status=400 if form.errors else 200)

