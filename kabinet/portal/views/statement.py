"""The account statement («Состояние счёта», seed 001) and the public penalty calculator.

Both are reads of `kabinet.billing.statement`: the statement is `account_statement` for an account
the user may view, the calculator is `calculate_penalty` — the engine's penalty function with the
engine's rate table from the database, as `kabinet penalty` uses.
"""

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.billing.models import Balance
from kabinet.billing.rules import formatting as fmt
from kabinet.billing.rules import keyrates
from kabinet.billing.rules.penalties import GRACE_DAYS
from kabinet.billing.statement import account_statement, calculate_penalty, penalty_rate_table
from kabinet.core.money import to_money
from kabinet.portal.forms import PenaltyCalculatorForm, StatementFilterForm
from kabinet.portal.views.accounts import _account_or_404


@login_required
def account_statement_view(request, pk):
    """Every month of one account, newest first, each expandable to its lines; filterable by months.
    A constant number of queries whatever the length of the history."""
    account = _account_or_404(request, pk)
    form = StatementFilterForm(request.GET or None)
    period_from = period_to = None
    if form.is_bound and form.is_valid():
        period_from, period_to = form.cleaned_data["period_from"], form.cleaned_data["period_to"]
    periods = account_statement(account, period_from=period_from, period_to=period_to)
    current = Balance.objects.filter(account=account).order_by("-period").values("period", "closing").first()
    return render(request, "portal/account_statement.html", {
        "account": account, "form": form, "periods": periods, "current": current,
        "filtered": bool(period_from or period_to),
    })


# --- Penalty calculator -----------------------------------------------------------------------------

# The worked examples of DOMAIN.md §3: (debt, due date, payment date).
EXAMPLES = (
    ("10000.00", dt.date(2024, 2, 10), dt.date(2024, 3, 31)),
    ("10000.00", dt.date(2024, 2, 10), dt.date(2024, 3, 12)),
    ("5432.10", dt.date(2026, 4, 15), dt.date(2026, 6, 20)),
)


def _rule_note(rule) -> str:
    if rule is None:
        return ""
    if rule.kind == keyrates.NO_PENALTY:
        text = _("moratorium: no penalty")
    elif rule.kind == keyrates.FIXED_RATE:
        text = _("fixed rate")
    else:
        text = _("the lesser of %(rate)s and the key rate") % {"rate": fmt.percent(rule.rate)}
    return f"{text} ({rule.source})" if rule.source else text


def _breakdown(result):
    """Rows for the table: the grace days (no penalty), then each segment of the calculation."""
    rows = []
    delay = (result.on - result.due).days
    if delay > 0:
        grace_days = min(delay, GRACE_DAYS)
        rows.append({
            "start": result.due + dt.timedelta(days=1), "end": result.due + dt.timedelta(days=grace_days),
            "first_day": 1, "last_day": grace_days, "days": grace_days, "grace": True,
            "note": _("the first %(days)s days of delay: no penalty") % {"days": GRACE_DAYS},
        })
    for segment in result.segments:
        rows.append({
            "start": segment.start, "end": segment.end, "first_day": segment.first_day,
            "last_day": segment.first_day + segment.days - 1, "days": segment.days, "base": segment.base,
            "fraction": segment.fraction, "rate": segment.rate, "amount": to_money(segment.amount),
            "note": _rule_note(segment.rule), "grace": False,
        })
    return rows


def penalty_calculator_view(request):
    """«Калькулятор пеней»: public, a GET form (so a result can be linked to), errors next to the fields."""
    table = penalty_rate_table()
    today = timezone.localdate()
    form = PenaltyCalculatorForm(request.GET or None, table=table, today=today)
    result = rows = key_rate = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            result = calculate_penalty(data["debt"], data["due"], data["paid_on"], table=table)
            key_rate = table.key_rate_on(data["paid_on"])
        except ValueError:
            form.add_error(None, _("The penalty cannot be calculated for these dates: the key rate table "
                                   "has no rate for them."))
            result = None
        else:
            rows = _breakdown(result)
    url = reverse("portal:penalty_calculator")
    examples = [{"debt": debt, "due": due, "paid_on": paid_on,
                 "url": f"{url}?{urlencode({'debt': debt.replace('.', ','), 'due': due, 'paid_on': paid_on})}"}
                for debt, due, paid_on in EXAMPLES]
    return render(request, "portal/penalty_calculator.html", {
        "form": form, "result": result, "rows": rows, "key_rate": key_rate, "examples": examples,
        "paid_today": bool(result and form.cleaned_data.get("paid_today")),
        "delay": (result.on - result.due).days if result else None,
        "first_day": table.key_rates[0][0], "today": today,
    }, status=200)
