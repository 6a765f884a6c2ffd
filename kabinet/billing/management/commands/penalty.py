"""`kabinet penalty --debt 10000 --due 2024-02-10 --paid 2024-03-31`: the penalty calculator
(ЖК РФ 155.14) with its breakdown; the amount alone on the last line."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from kabinet.billing import loading
from kabinet.billing.rules import penalties


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"Dates are YYYY-MM-DD, got {text!r}.") from exc


class Command(BaseCommand):
    help = "Penalty on a debt (ЖК РФ 155.14): the breakdown by rate and fraction, the amount on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--debt", required=True, help="Debt, e.g. 10000 or 5432.10")
        parser.add_argument("--due", required=True, help="Due date YYYY-MM-DD")
        parser.add_argument("--paid", help="Payment (or calculation) date YYYY-MM-DD; default today")
        parser.add_argument("--builtin-rates", action="store_true",
                            help="Use the built-in key rate table instead of the database's")

    def handle(self, *args, **options):
        try:
            debt = Decimal(options["debt"].replace(",", "."))
        except InvalidOperation as exc:
            raise CommandError(f"The debt must be a number, got {options['debt']!r}.") from exc
        due = _date(options["due"])
        on = _date(options["paid"]) if options["paid"] else dt.date.today()
        table = penalties.RateTable.default() if options["builtin_rates"] else loading.rate_table()
        try:
            result = penalties.penalty(debt, due, on, table=table)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for line in result.lines():
            self.stdout.write(line)
        self.stdout.write(f"{result.amount:.2f}")
