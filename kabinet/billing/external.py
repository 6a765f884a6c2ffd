"""External billing: an organisation that keeps its own billing system loads its charges and payments
into Kabinet, and the statement, bills, payments and reports work on them as on the engine's.

This module reads and checks the rows of a loaded table (`read_table` dicts: CSV or XLSX) against the
organisation's accounts, services and periods; `services.load_charges` and `services.load_payments`
write them. Every row is checked before anything is written: a file with any bad row is refused whole,
with every problem named by its line, so nothing is half-loaded.

Charges: `account; period; service; amount` and optionally `volume; tariff; kind; protocol`.
Payments: `account; paid_on; amount` and optionally `period` (named by the payer) and `id` (the payment's
id in the organisation's system: loading the same id again changes nothing).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from kabinet.billing.ledger import closed_periods
from kabinet.billing.models import BillingSettings, Charge
from kabinet.billing.rules import volumes
from kabinet.core.models import Organization
from kabinet.core.money import parse_period, to_money
from kabinet.registry.models import PersonalAccount, Service

CHARGE_COLUMNS = ("account", "period", "service", "amount")
PAYMENT_COLUMNS = ("account", "paid_on", "amount")
# What a loaded line may say it is; "recalculation" goes to the balance's recalculated column.
LOADED_KINDS = (volumes.METERED, volumes.AVERAGE, volumes.NORMATIVE, volumes.AREA, volumes.FIXED,
                volumes.RECALCULATION, volumes.COMMON)


class LoadError(ValueError):
    """The file was refused: `problems` lists every bad row as «line N: what is wrong»."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ChargeRow:
    account_id: int
    period: dt.date
    service_id: int
    kind: str
    volume: Decimal
    tariff: Decimal
    amount: Decimal
    protocol: str


@dataclass(frozen=True)
class PaymentRow:
    account: PersonalAccount
    paid_on: dt.date
    amount: Decimal
    named_period: dt.date | None
    external_id: str


def is_external(organization: Organization) -> bool:
    """Whether the organisation's charges come from its own billing (loaded), not from the engine."""
    mode = BillingSettings.objects.filter(organization=organization).values_list("mode", flat=True).first()
    return mode == BillingSettings.Mode.EXTERNAL


def _missing_columns(records: list[dict], columns: tuple[str, ...]) -> list[str]:
    if not records:
        return [_("The file has no rows.")]
    missing = [c for c in columns if c not in records[0]]
    if missing:
        return [_("Columns missing: %(columns)s (the first row must name the columns).") % {
            "columns": ", ".join(missing)}]
    return []


def _decimal(text: str, *, required: bool = True) -> Decimal | None:
    text = (text or "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not text:
        if required:
            raise ValueError(_("empty"))
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(_("not a number")) from exc
    if not value.is_finite():
        raise ValueError(_("not a number"))
    return value


def _date(text: str) -> dt.date:
    text = (text or "").strip()
    for parse in (dt.date.fromisoformat, lambda t: dt.datetime.strptime(t, "%d.%m.%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    raise ValueError(_("not a date (YYYY-MM-DD or DD.MM.YYYY)"))


def _period(text: str) -> dt.date:
    text = (text or "").strip()
    try:
        return parse_period(text)
    except ValueError:
        pass
    try:
        month, year = text.split(".")
        return dt.date(int(year), int(month), 1)
    except ValueError as exc:
        raise ValueError(_("not a period (YYYY-MM or MM.YYYY)")) from exc


def _problem(record: dict, column: str, message: str) -> str:
    return _("line %(line)s, %(column)s: %(message)s") % {"line": record.get("#", "?"), "column": column,
                                                           "message": message}


def _accounts(organization: Organization, records: list[dict]) -> dict[str, PersonalAccount]:
    numbers = {r["account"] for r in records}
    return {a.number: a for a in PersonalAccount.objects.filter(organization=organization, number__in=numbers)}


def parse_charges(organization: Organization, records: list[dict]) -> list[ChargeRow]:
    """The charge rows of a loaded table, or LoadError naming every bad row."""
    problems = _missing_columns(records, CHARGE_COLUMNS)
    if problems:
        raise LoadError(problems)
    accounts = _accounts(organization, records)
    services = {s.code: s.pk for s in Service.objects.filter(organization=organization)}
    closed = closed_periods(organization)
    rows = []
    for record in records:
        bad = []
        account = accounts.get(record["account"])
        if account is None:
            bad.append(_problem(record, "account", _("no such account in this organisation")))
        service_id = services.get(record["service"])
        if service_id is None:
            bad.append(_problem(record, "service", _("no service with this code")))
        values = {}
        for column, parse in (("period", _period), ("amount", _decimal),
                              ("volume", lambda t: _decimal(t, required=False)),
                              ("tariff", lambda t: _decimal(t, required=False))):
            try:
                values[column] = parse(record.get(column, ""))
            except ValueError as exc:
                bad.append(_problem(record, column, str(exc)))
        if "period" in values and values["period"] in closed:
            bad.append(_problem(record, "period", _("the period is closed: load a correction into an open one")))
        if "amount" in values and values["amount"] != to_money(values["amount"]):
            bad.append(_problem(record, "amount", _("more than two decimals")))
        kind = record.get("kind") or volumes.FIXED
        if kind not in LOADED_KINDS:
            bad.append(_problem(record, "kind", _("one of %(kinds)s") % {"kinds": ", ".join(LOADED_KINDS)}))
        for column, field in (("volume", "volume"), ("tariff", "tariff")):
            value = values.get(column)
            places = Charge._meta.get_field(field).decimal_places
            if value is not None and value != value.quantize(Decimal(1).scaleb(-places)):
                bad.append(_problem(record, column, _("more than %(places)s decimals") % {"places": places}))
        if bad:
            problems.extend(bad)
            continue
        rows.append(ChargeRow(account.pk, values["period"], service_id, kind, values["volume"] or Decimal(0),
                              values["tariff"] or Decimal(0), values["amount"],
                              record.get("protocol") or _("loaded from the organisation's billing")))
    if problems:
        raise LoadError(problems)
    return rows


def parse_payments(organization: Organization, records: list[dict]) -> list[PaymentRow]:
    """The payment rows of a loaded table, or LoadError naming every bad row."""
    problems = _missing_columns(records, PAYMENT_COLUMNS)
    if problems:
        raise LoadError(problems)
    accounts = _accounts(organization, records)
    rows, ids = [], set()
    for record in records:
        bad = []
        account = accounts.get(record["account"])
        if account is None:
            bad.append(_problem(record, "account", _("no such account in this organisation")))
        values = {}
        for column, parse in (("paid_on", _date), ("amount", _decimal)):
            try:
                values[column] = parse(record.get(column, ""))
            except ValueError as exc:
                bad.append(_problem(record, column, str(exc)))
        named = None
        if record.get("period"):
            try:
                named = _period(record["period"])
            except ValueError as exc:
                bad.append(_problem(record, "period", str(exc)))
        amount = values.get("amount")
        if amount is not None and (amount <= 0 or amount != to_money(amount)):
            bad.append(_problem(record, "amount", _("a positive amount in roubles and kopecks")))
        external_id = record.get("id", "")
        if external_id and external_id in ids:
            bad.append(_problem(record, "id", _("the same id twice in the file")))
        ids.add(external_id)
        if bad:
            problems.extend(bad)
            continue
        rows.append(PaymentRow(account, values["paid_on"], amount, named, external_id))
    if problems:
        raise LoadError(problems)
    return rows
