"""API v1 serializers of billing (issue 4): the account statement and the turnover sheet. The shape of
the domain's results (`billing.statement.account_statement`, `billing.reports.turnover`), nothing more;
the query parameters' checks."""

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kabinet.api.serializers import PeriodField
from kabinet.billing.models import Allocation, Charge
from kabinet.billing.statement import DEBT, OVERPAID, SETTLED
from kabinet.core.money import parse_period

PERIOD_PATTERN = re.compile(r"^\d{4}-\d{2}$")
STATES = [DEBT, OVERPAID, SETTLED]


def money(**kwargs):
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


# --- Query parameters --------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": PERIOD_PATTERN.pattern, "example": "2026-10"})
class PeriodParameter(serializers.CharField):
    """A billing period in a query string, strictly `YYYY-MM` → the first day of the month."""

    default_error_messages = {"invalid": _("Use the form YYYY-MM, e.g. 2026-11.")}

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if not PERIOD_PATTERN.match(text):
            self.fail("invalid")
        try:
            return parse_period(text)
        except ValueError:  # a month 00 or 13
            self.fail("invalid")


class PeriodRangeSerializer(serializers.Serializer):
    """`from` and `to` (Python keywords, hence declared by name in `get_fields`), inclusive."""

    from_help = "First period, YYYY-MM."
    to_help = "Last period, YYYY-MM."

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = PeriodParameter(required=False, help_text=self.from_help)
        fields["to"] = PeriodParameter(required=False, help_text=self.to_help)
        return fields

    def validate(self, attrs):
        if "from" in attrs and "to" in attrs and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError(_("“from” (%(from)s) is after “to” (%(to)s).") % {
                "from": f"{attrs['from']:%Y-%m}", "to": f"{attrs['to']:%Y-%m}"})
        return attrs


class StatementFilterSerializer(PeriodRangeSerializer):
    from_help = "First period, YYYY-MM; without it, from the start of the history."
    to_help = "Last period, YYYY-MM; without it, up to the latest."


class TurnoverFilterSerializer(PeriodRangeSerializer):
    from_help = "First period, YYYY-MM. Without `from` and `to`, last month; with one of them, that month."
    to_help = "Last period, YYYY-MM."

    building = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1,
                                        help_text="Only the accounts in this building (its id).")
    organization = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, help_text=(
        "Only the accounts of this organisation (its id) and of its sub-organisations."))


# --- The account statement ---------------------------------------------------------------------------


class StatementLineSerializer(serializers.Serializer):
    service = serializers.CharField()
    unit = serializers.CharField()
    zone = serializers.CharField(help_text="T1, T2, T3 for a metered line; empty otherwise.")
    zone_label = serializers.CharField(help_text="The zone's name for a multi-zone meter («Пик», «Ночь»…); "
                                                 "empty otherwise.")
    volume = serializers.DecimalField(max_digits=18, decimal_places=6)
    tariff = serializers.DecimalField(max_digits=14, decimal_places=4)
    amount = money()
    kind = serializers.ChoiceField(choices=Charge.Kind.values, help_text=(
        "How the volume was found; `recalculation` is a correction of an earlier period."))
    kind_label = serializers.CharField()
    protocol = serializers.CharField(help_text="The rule and the formula with its numbers; the reason of a "
                                               "recalculation.")


class PaidPartSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Allocation.Kind.values, help_text=(
        "principal of a period's service, a period's penalty, or an advance (overpayment) still left."))
    kind_label = serializers.CharField()
    period = PeriodField(allow_null=True, help_text="The period paid; null for an advance.")
    service = serializers.CharField()
    amount = money()


class StatementPaymentSerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    amount = money()
    source = serializers.CharField()
    source_label = serializers.CharField()
    parts = PaidPartSerializer(many=True, help_text="What the payment paid (ГК РФ 319.1).")


class StatementPenaltySerializer(serializers.Serializer):
    debt_period = PeriodField(help_text="The period of the overdue debt.")
    calculated_on = serializers.DateField()
    debt = money()
    total = money(help_text="Penalty on that debt up to `calculated_on`.")
    amount = money(help_text="The part accrued in this period.")
    protocol = serializers.CharField()


class StatementPeriodSerializer(serializers.Serializer):
    period = PeriodField()
    opening = money(allow_null=True, help_text="Positive is a debt, negative an overpayment; null when the "
                                               "period has lines but no balance.")
    charged = money()
    recalculated = money()
    paid = money()
    penalty = money()
    closing = money(allow_null=True, help_text="opening + charged + recalculated + penalty − paid.")
    closing_state = serializers.ChoiceField(choices=STATES)
    has_lines = serializers.BooleanField(help_text="False for totals only (balances loaded from an external "
                                                   "billing).")
    lines = serializers.SerializerMethodField()
    payments = StatementPaymentSerializer(many=True)
    penalties = StatementPenaltySerializer(many=True)

    @extend_schema_field(StatementLineSerializer(many=True, help_text=(
        "The charge lines by service and zone, then the recalculation lines.")))
    def get_lines(self, period) -> list:
        return StatementLineSerializer([*period.charges, *period.recalculations], many=True).data


class AccountRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    address = serializers.CharField()


class StatementSerializer(serializers.Serializer):
    account = AccountRefSerializer()
    period_from = PeriodField(allow_null=True, help_text="`from` as asked; null for no limit.")
    period_to = PeriodField(allow_null=True, help_text="`to` as asked; null for no limit.")
    periods = StatementPeriodSerializer(many=True, help_text="Newest first.")


# --- The turnover sheet ------------------------------------------------------------------------------


class FiguresSerializer(serializers.Serializer):
    opening = money()
    charged = money()
    recalculated = money()
    paid = money()
    penalty = money()
    closing = money()
    reconciles = serializers.BooleanField(help_text="opening + charged + recalculated + penalty − paid = closing.")

    def get_fields(self):
        # A row's own keys (ids, number, address) first, then the figures.
        fields = super().get_fields()
        figures = [name for name in FiguresSerializer._declared_fields if name in fields]
        return {**{k: v for k, v in fields.items() if k not in figures}, **{k: fields[k] for k in figures}}


class TurnoverAccountSerializer(FiguresSerializer):
    account_id = serializers.IntegerField()
    number = serializers.CharField()
    address = serializers.CharField()
    organization_id = serializers.IntegerField()
    building_id = serializers.IntegerField(allow_null=True)


class TurnoverBuildingSerializer(FiguresSerializer):
    building_id = serializers.IntegerField(allow_null=True)
    address = serializers.CharField()
    accounts = serializers.IntegerField()


class TurnoverOrganizationSerializer(FiguresSerializer):
    organization_id = serializers.IntegerField()
    name = serializers.CharField()
    accounts = serializers.IntegerField()


class TurnoverSerializer(serializers.Serializer):
    period_from = PeriodField()
    period_to = PeriodField()
    count = serializers.IntegerField(help_text="Account rows in all.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TurnoverAccountSerializer(many=True, help_text="This page of the account rows, by address.")
    buildings = TurnoverBuildingSerializer(many=True, help_text="Every building (not paginated).")
    organizations = TurnoverOrganizationSerializer(many=True, help_text="Every organisation (not paginated).")
    total = FiguresSerializer()
    reconciles = serializers.BooleanField(help_text="The total and every account reconcile.")
    statement = serializers.CharField(help_text="The reconciliation in words, with the figures.")
    mismatches = TurnoverAccountSerializer(many=True, help_text="The accounts that do not reconcile.")
