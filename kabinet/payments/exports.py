"""The supplier payment registry (реестр платежей) as CSV (semicolon-separated, UTF-8 with BOM, as
Russian spreadsheets open it) or XLSX: one row per paid line, and the totals."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kabinet.core import spreadsheets
from kabinet.payments.services import registry_rows

COLUMNS = ("paid_at", "supplier", "supplier_inn", "account", "payer", "amount", "commission", "to_transfer",
           "order", "acquirer")


def headers() -> list[str]:
    return [_("Paid at"), _("Supplier"), _("Supplier INN"), _("Account"), _("Payer"), _("Amount"),
            _("Commission"), _("To transfer"), _("Payment id"), _("Acquirer")]


def _cell(key, value):
    if key == "paid_at":
        return value.strftime("%d.%m.%Y %H:%M:%S")
    return value


def totals(rows) -> dict:
    return {key: sum((row[key] for row in rows), Decimal("0.00")) for key in ("amount", "commission", "to_transfer")}


def registry_csv(suppliers, date_from, date_to) -> bytes:
    rows = registry_rows(suppliers, date_from, date_to)
    total = totals(rows)
    return spreadsheets.csv_bytes([
        headers(),
        *([str(_cell(key, row[key])).replace(".", ",") if isinstance(row[key], Decimal) else _cell(key, row[key])
           for key in COLUMNS] for row in rows),
        [_("Total"), "", "", "", "", *(str(total[k]).replace(".", ",") for k in ("amount", "commission", "to_transfer")),
         "", ""],
    ])


def registry_xlsx(suppliers, date_from, date_to) -> bytes:
    rows = registry_rows(suppliers, date_from, date_to)
    total = totals(rows)
    return spreadsheets.xlsx_bytes(pgettext("sheet name", "Payments"), [
        headers(),
        *([row["paid_at"].replace(tzinfo=None) if key == "paid_at" else row[key] for key in COLUMNS] for row in rows),
        [_("Total"), None, None, None, None, total["amount"], total["commission"], total["to_transfer"]],
    ])
