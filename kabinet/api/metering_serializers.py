"""API v1 serializers for meters and readings: the shape of input and output, no business rules
(the readings are checked by `metering.services.submit_readings`)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kabinet.api.serializers import PeriodField
from kabinet.core.money import parse_period
from kabinet.metering import rules
from kabinet.metering.models import Meter, Reading
from kabinet.metering.preview import MODES

DECIMAL_TEXT = {"type": "string", "format": "decimal", "pattern": r"^\d+(\.\d+)?$", "example": "123.450"}
MAX_READINGS = 1000  # per request: a flat has a handful of meters, an integration sends pages
MAX_ID = 2**63 - 1  # beyond a 64-bit key the database drivers fail instead of finding nothing


def decimal_text(value: Decimal | None, decimals: int) -> str | None:
    """A value as exact text with at least the meter's decimals, never cutting any it has:
    Decimal("123.450000") on a 3-decimal meter → "123.450", Decimal("7.123400") → "7.1234"."""
    if value is None:
        return None
    exponent = value.normalize().as_tuple().exponent
    places = max(decimals, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    return f"{value.quantize(Decimal(1).scaleb(-places)):f}"


def enum_field(values, description: str):
    """An inline string enum (not a component: meters and readings both have a `status`)."""
    return extend_schema_field({"type": "string", "enum": list(values), "description": description})


# --- Meters ------------------------------------------------------------------------------------------


class ServiceRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()


class LastReadingSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="Exact decimal, as text.")
    taken_on = serializers.DateField()


@enum_field(Meter.Resource.values, "What the meter measures.")
class ResourceField(serializers.CharField):
    pass


@enum_field(Meter.Status.values, "active, replaced (by a new meter) or retired.")
class MeterStatusField(serializers.CharField):
    pass


@extend_schema_field({"type": "array", "items": {"type": "string", "pattern": "^T[1-3]$"}, "example": ["T1", "T2"],
                      "description": "Tariff zones: T1 (single rate, or day, or peak), T2 (night), T3 (half-peak)."})
class ZonesField(serializers.Field):
    def to_representation(self, value):
        return list(value)


class MeterSerializer(serializers.Serializer):
    # Needs `last_readings` in the context: {(meter id, zone): Reading} (`last_accepted_readings`).

    id = serializers.IntegerField()
    account = serializers.CharField(source="account.number", allow_null=True,
                                    help_text="Number of the personal account; null for a house meter.")
    account_id = serializers.IntegerField(allow_null=True)
    address = serializers.SerializerMethodField()
    service = ServiceRefSerializer()
    resource = ResourceField()
    serial = serializers.CharField(source="serial_number")
    zones = ZonesField()
    digits = serializers.IntegerField(help_text="Digits before the decimal separator (the meter rolls over after them).")
    decimals = serializers.IntegerField(help_text="Digits after the decimal separator the meter shows.")
    verification_due = serializers.DateField(allow_null=True)
    status = MeterStatusField()
    can_submit = serializers.BooleanField(
        help_text="The user may submit readings for this meter (the submission window is checked on submit)."
    )
    last_readings = serializers.SerializerMethodField()

    def get_address(self, meter) -> str:
        return str(meter.account.premises) if meter.account_id else str(meter.building)

    @extend_schema_field(serializers.DictField(
        child=LastReadingSerializer(allow_null=True),
        help_text="The last accepted reading of every zone of the meter (null if none yet), by zone.",
    ))
    def get_last_readings(self, meter):
        last = self.context["last_readings"]
        result = {}
        for zone in meter.zones:
            reading = last.get((meter.pk, zone))
            result[zone] = None if reading is None else {
                "value": decimal_text(reading.value, meter.decimals),
                "taken_on": reading.taken_on.isoformat(),
            }
        return result


class MeterFilterSerializer(serializers.Serializer):
    account = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                       help_text="Only meters of this account (its id).")


# --- Readings --------------------------------------------------------------------------------------------


@enum_field(Reading.Source.values, "How the reading came: portal, app (this API), sms, staff, import, askue.")
class SourceField(serializers.CharField):
    pass


@enum_field(Reading.Status.values, "new (waiting for review), accepted, rejected, billed, or superseded "
                                   "(replaced by a later submission in the same period).")
class ReadingStatusField(serializers.CharField):
    pass


@extend_schema_field(DECIMAL_TEXT)
class ReadingDecimalField(serializers.Field):
    """A reading's decimal attribute as exact text with the meter's decimals."""

    def get_attribute(self, instance):
        return instance

    def to_representation(self, reading):
        return decimal_text(getattr(reading, self.field_name), reading.meter.decimals)


class ReadingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meter = serializers.IntegerField(source="meter_id")
    account = serializers.CharField(source="meter.account.number", allow_null=True,
                                    help_text="Number of the meter's account; null for a house meter.")
    zone = serializers.CharField()
    value = ReadingDecimalField()
    consumption = ReadingDecimalField(allow_null=True, help_text="Since the previous accepted reading; null if there is none yet.")
    taken_on = serializers.DateField()
    period = PeriodField(help_text="The billing period the reading counts for.")
    source = SourceField()
    status = ReadingStatusField()
    reject_reason = serializers.CharField(help_text="Why staff rejected it (empty otherwise).")
    flags = serializers.ListField(
        child=serializers.CharField(),
        help_text="Marks for staff review: over_limit, high, zero, hot_above_cold, rollover, verification_expired.",
    )
    created_at = serializers.DateTimeField()


class IssueSerializer(serializers.Serializer):
    index = serializers.IntegerField(allow_null=True, help_text="Position of the item in the request; null "
                                                                "for the whole request.")
    field = serializers.CharField(allow_null=True, help_text="meter, zone, value, mode, period; null for "
                                                             "the whole item or request.")
    code = serializers.CharField(help_text="Stable, for programs: e.g. meter_not_found, required, zone, "
                                           "below_previous, rollover, limit, too_many_decimals, window_closed.")
    message = serializers.CharField(help_text="For people, in the language of the request.")


class ReadingErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="The first error, for people.")
    code = serializers.CharField()
    errors = IssueSerializer(many=True)


class SubmissionResultSerializer(serializers.Serializer):
    readings = ReadingSerializer(many=True, help_text="The stored readings, in the order of the request.")
    superseded = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of pending readings of the same period these replaced."
    )
    warnings = IssueSerializer(many=True, help_text="Soft warnings: the readings are stored, flagged for staff.")


@extend_schema_field({"type": "string", "enum": list(rules.ZONES)})
class ZoneField(serializers.CharField):
    """Any text: a zone the meter lacks is reported by the readings check with the meter's zones."""


@extend_schema_field({"oneOf": [{"type": "string", "example": "123,45"}, {"type": "number", "example": 123.45}],
                      "description": "The reading (or the consumption): a string with a point or a comma, or "
                                     "a JSON number; kept exact, never as a float."})
class ReadingValueField(serializers.Field):
    """Passed on as sent (text, int or Decimal): the readings check parses it against the meter."""

    def to_internal_value(self, data):
        return data


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-11"})
class PeriodInputField(serializers.CharField):
    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            parse_period(text)
        except ValueError:
            self.fail("invalid")
        return text

    default_error_messages = {"invalid": _("Use the form YYYY-MM, e.g. 2026-11.")}


class ReadingItemSerializer(serializers.Serializer):
    meter = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Id of the meter.")
    zone = ZoneField(max_length=10, help_text="T1 for a single-rate meter; every zone of a meter in one request.")
    value = ReadingValueField()
    mode = serializers.ChoiceField(choices=MODES, default=MODES[0], help_text=(
        "reading: the value on the display (default); consumption: the amount used since the last "
        "accepted reading (0 keeps the previous value)."
    ))
    period = PeriodInputField(required=False, help_text="If given, must be the current period: a guard "
                                                        "against a reading typed before the cutoff day.")


class ReadingSubmissionSerializer(serializers.Serializer):
    readings = ReadingItemSerializer(many=True, max_length=MAX_READINGS)
    confirm = serializers.BooleanField(default=False, help_text=(
        "The consumer confirms values above the organisation's per-resident limit (they are flagged for review)."
    ))
    confirm_rollover = serializers.BooleanField(default=False, help_text=(
        "Confirms that a value below the previous reading is the counter passing through zero."
    ))


class ReadingFilterSerializer(serializers.Serializer):
    meter = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                     help_text="Only readings of this meter (its id).")
    period = PeriodInputField(required=False, help_text="Only readings for this billing period, YYYY-MM.")
    status = serializers.ChoiceField(required=False, choices=Reading.Status.values,
                                     help_text="Only readings in this status, e.g. new for the review queue.")

    def validate_period(self, value):
        return parse_period(value)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Shown to the consumer.")
