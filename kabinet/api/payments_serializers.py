"""API v1 serializers of the payment centre (issue 5): the request to pay, the order, the history and the
supplier registry. The shapes of `kabinet.payments` results; the checks of what is sent."""

import datetime as dt
import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kabinet.api.billing_serializers import PeriodParameter
from kabinet.payments.acquirers import available_codes, default_acquirer_code
from kabinet.payments.models import PaymentOrder

MAX_REGISTRY_DAYS = 366
STATUS_HELP = ", ".join(PaymentOrder.Status.values) + " (payments loaded by the organisation are succeeded)"


def money(**kwargs):
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


# --- The request ----------------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": r"^\d+(\.\d{1,2})?$", "example": "1500.00"})
class AmountField(serializers.CharField):
    """Roubles with at most two decimals, as a string ("1500.50") or a JSON number; the domain checks it."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        return super().to_internal_value(str(data))


class PaymentItemSerializer(serializers.Serializer):
    account = serializers.IntegerField(help_text="Account id (`GET /accounts/`): one you may pay for.")
    supplier = serializers.IntegerField(help_text="Organisation id of the supplier the money is for (the account's "
                                                  "organisation or a supplier of its services).")
    amount = AmountField(help_text="Amount off the debt, roubles with at most two decimals.")


class PaymentRequestSerializer(serializers.Serializer):
    items = PaymentItemSerializer(many=True, allow_empty=False)
    named_period = PeriodParameter(required=False, allow_null=True, allow_blank=True,
                                   help_text="The month the payment is for, YYYY-MM (optional; else the oldest "
                                             "debt first).")
    acquirer = serializers.CharField(required=False, allow_blank=True,
                                     help_text="Acquirer code, e.g. `sandbox` or `yookassa`; the default if omitted.")

    def validate_acquirer(self, value):
        if not value:
            return default_acquirer_code()
        if value not in available_codes():
            raise serializers.ValidationError(_("This way of payment is not available."))
        return value

    def validate_named_period(self, value):
        return value or None


# --- Orders -----------------------------------------------------------------------------------------------


class OrderLineSerializer(serializers.Serializer):
    account = serializers.IntegerField(source="account_id")
    account_number = serializers.CharField(source="account.number")
    supplier = serializers.IntegerField(source="supplier_id")
    supplier_name = serializers.CharField(source="supplier.name")
    amount = money()
    commission = money()


class PaymentOrderSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    status = serializers.CharField(help_text=STATUS_HELP)
    status_label = serializers.CharField(source="get_status_display")
    amount = money(help_text="Goes to the debts (Σ lines).")
    commission = money()
    total = money(help_text="Charged to the card.")
    acquirer = serializers.CharField()
    named_period = serializers.SerializerMethodField()
    redirect_url = serializers.SerializerMethodField(help_text="The acquirer's page for the payer while the "
                                                               "payment is pending; null otherwise.")
    failure_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    lines = OrderLineSerializer(many=True, source="lines.all")

    @extend_schema_field({"type": "string", "nullable": True, "example": "2026-10"})
    def get_named_period(self, order):
        return f"{order.named_period:%Y-%m}" if order.named_period else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_redirect_url(self, order):
        if order.status != PaymentOrder.Status.PENDING or not order.redirect_url:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(order.redirect_url) if request else order.redirect_url


# --- History ----------------------------------------------------------------------------------------------


class PaymentPartSerializer(serializers.Serializer):
    period = serializers.SerializerMethodField()
    service = serializers.CharField()
    supplier = serializers.CharField()
    kind = serializers.CharField(help_text="principal, penalty or advance")
    amount = money()

    @extend_schema_field({"type": "string", "nullable": True, "example": "2026-10"})
    def get_period(self, part):
        return f"{part.period:%Y-%m}" if part.period else None


class HistoryEntrySerializer(serializers.Serializer):
    date = serializers.DateField()
    account = serializers.IntegerField(source="account.pk")
    account_number = serializers.CharField(source="account.number")
    amount = money()
    source = serializers.CharField(help_text="bank, cash, import, sandbox, yookassa…")
    source_label = serializers.CharField()
    status = serializers.CharField(help_text=STATUS_HELP)
    status_label = serializers.CharField()
    order = serializers.SerializerMethodField(help_text="The card payment's id while it is not completed.")
    parts = PaymentPartSerializer(many=True, help_text="What the payment paid (periods, services, suppliers).")

    @extend_schema_field({"type": "string", "format": "uuid", "nullable": True})
    def get_order(self, entry):
        return str(entry.order.uuid) if entry.order is not None else None


class HistoryFilterSerializer(serializers.Serializer):
    account = serializers.IntegerField(required=False, help_text="Only this account's payments.")


# --- Registry (staff) --------------------------------------------------------------------------------------

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RegistryFilterSerializer(serializers.Serializer):
    supplier = serializers.IntegerField(required=False, help_text="Organisation id; all of yours if omitted.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False, input_formats=["%Y-%m-%d"],
                                               help_text="First day, YYYY-MM-DD (default: the 1st of this month).")
        fields["to"] = serializers.DateField(required=False, input_formats=["%Y-%m-%d"],
                                             help_text="Last day, YYYY-MM-DD (default: today).")
        return fields

    def validate(self, attrs):
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError(_("“from” is after “to”."))
        if start and end and (end - start) >= dt.timedelta(days=MAX_REGISTRY_DAYS):
            raise serializers.ValidationError(_("Choose at most a year at a time."))
        return attrs


class RegistryRowSerializer(serializers.Serializer):
    paid_at = serializers.DateTimeField()
    supplier = serializers.CharField()
    supplier_inn = serializers.CharField()
    account = serializers.CharField(help_text="Account number.")
    payer = serializers.CharField()
    amount = money()
    commission = money()
    to_transfer = money()
    order = serializers.UUIDField()
    acquirer = serializers.CharField()


class RegistryTotalsSerializer(serializers.Serializer):
    amount = money()
    commission = money()
    to_transfer = money()


class RegistrySerializer(serializers.Serializer):
    date_from = serializers.DateField(source="from")
    date_to = serializers.DateField(source="to")
    rows = RegistryRowSerializer(many=True)
    totals = RegistryTotalsSerializer()
