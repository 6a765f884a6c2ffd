"""Billing models: rates and norms (`rates`), the ledger of charges, payments and penalties (`ledger`),
balances per account per period (`balances`),
issued bills (`bills`), and the common-house needs and losses of buildings (`common_house`)."""

from kabinet.billing.models.balances import ZERO, Balance, money_field
from kabinet.billing.models.bills import Bill
from kabinet.billing.models.common_house import CommonHouseLoss
from kabinet.billing.models.ledger import Allocation, BillingPeriod, Charge, Payment, PenaltyCharge
from kabinet.billing.models.rates import (
    BillingSettings,
    BuildingGroup,
    DueDateRule,
    KeyRate,
    Normative,
    PenaltyRule,
    Tariff,
)
from kabinet.billing.models.runs import BillingRun, BillingSchedule

__all__ = [
    "ZERO", "Allocation", "Balance", "Bill", "BillingPeriod", "BillingRun", "BillingSchedule", "BillingSettings", "BuildingGroup", "Charge", "CommonHouseLoss",
    "DueDateRule", "KeyRate", "Normative", "Payment", "PenaltyCharge", "PenaltyRule", "Tariff", "money_field",
]
