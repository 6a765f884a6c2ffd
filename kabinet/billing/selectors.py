"""Reads of balances, tenant-agnostic: callers pass an already scoped queryset of accounts."""

from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from kabinet.billing.models import Balance

ZERO = Decimal("0.00")


def with_balance(accounts):
    """Annotate accounts with `balance` (closing of the latest period: positive = debt, negative =
    overpayment) and `balance_period`, in the same single query."""
    latest = Balance.objects.filter(account=OuterRef("pk")).order_by("-period")
    money = DecimalField(max_digits=14, decimal_places=2)
    return accounts.annotate(
        balance=Coalesce(Subquery(latest.values("closing")[:1], output_field=money), Value(ZERO), output_field=money),
        balance_period=Subquery(latest.values("period")[:1]),
    )


def total_balance(annotated_accounts) -> Decimal:
    """Σ of the latest balances of accounts already annotated by `with_balance` (no extra query)."""
    return sum((a.balance for a in annotated_accounts), ZERO)


def balance_history(account):
    """All periods of one account, newest first (no time limit: seed 003)."""
    return Balance.objects.filter(account=account).order_by("-period")
