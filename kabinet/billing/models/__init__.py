"""Billing models: rates and norms (`rates`), the ledger of charges, payments and penalties (`ledger`),
and balances per account per period (`balances`)."""

from kabinet.billing.models.balances import ZERO, Balance, money_field
from kabinet.billing.models.ledger import Allocation, BillingPeriod, Charge, Payment, PenaltyCharge
from kabinet.billing.models.rates import BillingSettings, DueDateRule, KeyRate, Normative, PenaltyRule, Tariff
from kabinet.billing.models.runs import BillingRun, BillingSchedule

__all__ = [
    "ZERO", "Allocation", "Balance", "BillingPeriod", "BillingRun", "BillingSchedule", "BillingSettings", "Charge",
    "DueDateRule", "KeyRate", "Normative", "Payment", "PenaltyCharge", "PenaltyRule", "Tariff", "money_field",
]
