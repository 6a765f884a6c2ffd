"""«Реестр платежей»: the card payments received for one supplier over a range of days (date, account,
amount, commission, to transfer) with totals, and its CSV/XLSX download.

A money report, so it is read with the turnover roles (`core.roles.TURNOVER_ROLES`: data loading or
the organisation's properties), for the staff member's own organisations and their sub-organisations
only. The rows are `payments.services.registry_rows`, the files `payments.exports`.
"""


from django.shortcuts import render
from django.utils import timezone

from kabinet.core.roles import TURNOVER_ROLES
from kabinet.core.spreadsheets import download
from kabinet.panel.forms_payments import RegistryFilterForm
from kabinet.panel.scope import panel_view
from kabinet.panel.views.common import paginate
from kabinet.payments import exports
from kabinet.payments.services import registry_rows

REGISTRY_ROLES = TURNOVER_ROLES


def _registry_filters(request):
    """The form and the chosen supplier and days; the suppliers are the organisations the user reads
    money reports of (narrowed to the switcher's choice)."""
    suppliers = request.panel.orgs(REGISTRY_ROLES).order_by("path")
    current = request.panel.current
    default = (suppliers.filter(pk=current.pk).first() if current else None) or suppliers.first()
    today = timezone.localdate()
    form = RegistryFilterForm(request.GET or None, suppliers=suppliers, initial_supplier=default,
                              initial_range=(today.replace(day=1), today))
    return form, form.filters(default)


@panel_view(REGISTRY_ROLES, module="payment_registry")
def payment_registry(request):
    form, filters = _registry_filters(request)
    supplier = filters["supplier"]
    rows = registry_rows([supplier], filters["date_from"], filters["date_to"]) if supplier else []
    totals = exports.totals(rows)
    query = request.GET.copy()
    query.pop("page", None)
    for name in ("date_from", "date_to"):
        query[name] = f"{filters[name]:%Y-%m-%d}"
    if supplier:
        query["supplier"] = str(supplier.pk)
    return render(request, "panel/payment_registry.html", {
        "form": form, "filters": filters, "supplier": supplier, "page": paginate(request, rows),
        "totals": totals, "count": len(rows), "query": query.urlencode(),
    }, status=400 if form.is_bound and form.errors else 200)


@panel_view(REGISTRY_ROLES, module="payment_registry")
def payment_registry_export(request):
    """The registry as a file: `file_format=xlsx`, else CSV (semicolons, UTF-8 with a BOM)."""
    form, filters = _registry_filters(request)
    supplier = filters["supplier"]
    suppliers = [supplier] if supplier else []
    name = f"registry-{supplier.pk if supplier else 0}-{filters['date_from']:%Y%m%d}-{filters['date_to']:%Y%m%d}"
    if request.GET.get("file_format") == "xlsx":
        return download(exports.registry_xlsx(suppliers, filters["date_from"], filters["date_to"]), f"{name}.xlsx")
    return download(exports.registry_csv(suppliers, filters["date_from"], filters["date_to"]), f"{name}.csv")
