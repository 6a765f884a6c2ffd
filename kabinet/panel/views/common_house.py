"""«Потери ОДН»: the common-house needs of each building for a period — the house meter's volume, the
individual volume, the common volume, the cap by the normative for common property, what was
distributed to the accounts and the organisation's loss (volume and ₽) — with totals and a CSV/XLSX
download (DOMAIN.md §7, seed 002: "localise the losses").

A money report, read with the turnover roles (`core.roles.TURNOVER_ROLES`), for the staff member's
organisations and their sub-organisations only. The rows are `billing.reports.common_house_losses`,
written by the billing run.
"""

from decimal import Decimal

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kabinet.billing import reports
from kabinet.core.roles import TURNOVER_ROLES
from kabinet.core.spreadsheets import csv_bytes, download, xlsx_bytes
from kabinet.panel import selectors
from kabinet.panel.billing_forms import CommonHouseFilterForm
from kabinet.panel.scope import panel_view

COMMON_HOUSE_ROLES = TURNOVER_ROLES


def _report(request):
    orgs = request.panel.orgs(COMMON_HOUSE_ROLES)
    form = CommonHouseFilterForm(request.GET, buildings=selectors.buildings_of(orgs))
    filters = form.filters()
    return form, reports.common_house_losses(orgs, filters["period"], filters["building"])


@panel_view(COMMON_HOUSE_ROLES, module="common_house")
def common_house(request):
    form, report = _report(request)
    query = request.GET.copy()
    query["period"] = f"{report.period:%Y-%m}"
    return render(request, "panel/common_house.html", {"form": form, "report": report, "query": query.urlencode()})


def _headers() -> list[str]:
    return [_("Organisation"), _("Building"), _("Service"), _("Unit"), _("House meter"), _("Individual"),
            _("Common"), _("Cap by the normative"), _("Distributed"), _("Loss"), _("Tariff, ₽"),
            _("Distributed, ₽"), _("Loss, ₽"), _("Individual above the house meter")]


def _rows(report: reports.CommonHouseReport) -> list[list]:
    """The buildings, then a total per service (volumes in their unit) and the total in roubles."""
    rows = [[row.organization, row.building, row.service, row.unit, row.house_volume, row.individual_volume,
             row.common_volume, row.cap_volume, row.distributed_volume, row.loss_volume, row.tariff,
             row.distributed_amount, row.loss_amount, _("yes") if row.individual_exceeds_house else ""]
            for row in report.rows]
    rows += [[_("Total"), "", total.service, total.unit, total.house_volume, total.individual_volume,
              total.common_volume, total.cap_volume, total.distributed_volume, total.loss_volume, None,
              total.distributed_amount, total.loss_amount, ""] for total in report.totals]
    rows.append([_("Total"), "", "", "", None, None, None, None, None, None, None, report.distributed_amount,
                 report.loss_amount, ""])
    return rows


def _csv_cell(value):
    """As the payment registry: a decimal comma (Excel in a Russian locale), nothing for an empty cell."""
    if value is None:
        return ""
    return f"{value:f}".replace(".", ",") if isinstance(value, Decimal) else value


@panel_view(COMMON_HOUSE_ROLES, module="common_house")
def common_house_export(request):
    """The report as a file: `file_format=xlsx`, else CSV (semicolons, UTF-8 with a BOM)."""
    _form, report = _report(request)
    name = f"common-house-{report.period:%Y-%m}"
    if request.GET.get("file_format") == "xlsx":
        return download(xlsx_bytes(pgettext("sheet name", "Common-house losses"), [_headers(), *_rows(report)]),
                        f"{name}.xlsx")
    return download(csv_bytes([_headers(), *([_csv_cell(c) for c in row] for row in _rows(report))]), f"{name}.csv")
