"""A simple Django admin for rates and the ledger (the staff panel builds its own billing screens).

Rates are edited by hand and audited; ledger rows are read-only here: they change only through
`kabinet.billing.services`."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kabinet.billing.models import (
    Allocation,
    Balance,
    BillingPeriod,
    BillingSettings,
    BuildingGroup,
    Charge,
    CommonHouseLoss,
    DueDateRule,
    KeyRate,
    Normative,
    Payment,
    PenaltyCharge,
    PenaltyRule,
    Tariff,
)


@admin.register(BuildingGroup)
class BuildingGroupAdmin(SimpleHistoryAdmin):
    list_display = ["name", "organization"]
    list_filter = ["organization"]
    raw_id_fields = ["organization"]
    filter_horizontal = ["buildings"]


@admin.register(Tariff)
class TariffAdmin(SimpleHistoryAdmin):
    list_display = ["service", "zone", "price", "valid_from", "valid_to", "building", "building_group", "organization"]
    list_filter = ["organization", "zone"]
    raw_id_fields = ["service", "building", "building_group", "organization"]


@admin.register(Normative)
class NormativeAdmin(SimpleHistoryAdmin):
    list_display = ["service", "value", "basis", "valid_from", "valid_to", "organization"]
    raw_id_fields = ["service", "organization"]


@admin.register(KeyRate)
class KeyRateAdmin(SimpleHistoryAdmin):
    list_display = ["date", "rate"]


@admin.register(PenaltyRule)
class PenaltyRuleAdmin(SimpleHistoryAdmin):
    list_display = ["start", "end", "kind", "rate", "source"]


@admin.register(DueDateRule)
class DueDateRuleAdmin(SimpleHistoryAdmin):
    list_display = ["organization", "valid_from", "day"]


@admin.register(BillingSettings)
class BillingSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["organization", "mode", "max_average_periods", "failure_multiplier", "limitation_years"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BillingPeriod)
class BillingPeriodAdmin(ReadOnlyAdmin):
    list_display = ["organization", "period", "status", "billed_at", "closed_at"]
    list_filter = ["status"]


@admin.register(Charge)
class ChargeAdmin(ReadOnlyAdmin):
    list_display = ["account", "period", "service", "zone", "kind", "volume", "tariff", "amount"]
    list_filter = ["kind", "period"]
    search_fields = ["account__number"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["account", "amount", "paid_on", "period", "source", "external_id"]
    search_fields = ["account__number", "external_id"]


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["payment", "period", "service", "kind", "amount", "paid_on"]


@admin.register(PenaltyCharge)
class PenaltyChargeAdmin(ReadOnlyAdmin):
    list_display = ["account", "period", "debt_period", "debt", "total", "amount"]


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ["account", "period", "opening", "charged", "recalculated", "paid", "penalty", "closing"]
    search_fields = ["account__number"]


@admin.register(CommonHouseLoss)
class CommonHouseLossAdmin(ReadOnlyAdmin):
    """Written by the billing run only (a re-run replaces the period's rows)."""

    list_display = ["building", "service", "period", "house_volume", "individual_volume", "common_volume",
                    "cap_volume", "distributed_volume", "loss_volume", "distributed_amount", "loss_amount",
                    "individual_exceeds_house", "organization"]
    list_filter = ["period", "individual_exceeds_house", "organization"]
    list_select_related = ["building", "service", "organization"]
    search_fields = ["building__street", "building__house"]
