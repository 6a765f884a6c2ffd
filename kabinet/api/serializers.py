"""API v1 serializers: validation of input and the shape of output, no business rules."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kabinet.accounts.models import AccountLink
from kabinet.api.selectors import account_rights
from kabinet.core.roles import ALL_ROLES


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=254, trim_whitespace=True, help_text="Email, phone (any common format) or account number."
    )
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Name of the device or integration, to tell tokens apart.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Bearer <token>`. Shown only once.")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(required=False, help_text="Field errors of a 400 answer.")


class ApiRootSerializer(serializers.Serializer):
    auth_token = serializers.URLField()
    me = serializers.URLField()
    accounts = serializers.URLField()
    meters = serializers.URLField()
    readings = serializers.URLField()
    schema = serializers.URLField()
    docs = serializers.URLField()


class MembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="organization.id")
    name = serializers.CharField(source="organization.name")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=ALL_ROLES))


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(allow_null=True)
    phone = serializers.CharField(allow_null=True, help_text="E.164.")
    full_name = serializers.CharField()
    is_staff_member = serializers.BooleanField()
    is_operator = serializers.BooleanField(help_text="The service operator sees every organisation.")
    organizations = MembershipSerializer(many=True, help_text="Organisations the user is staff of.")
    linked_accounts_count = serializers.IntegerField()


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-10"})
class PeriodField(serializers.Field):
    """A billing period (stored as the first day of the month) as `YYYY-MM`."""

    def to_representation(self, value):
        return value.strftime("%Y-%m")


class AccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    organization = OrganizationRefSerializer()
    address = serializers.CharField()
    balance = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="Closing balance of the latest period: positive is a debt, negative an overpayment.",
    )
    balance_period = PeriodField(allow_null=True, help_text="Period of `balance`, null if none yet.")
    rights = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=AccountLink.RIGHTS)))
    def get_rights(self, account) -> list[str]:
        return account_rights(account)


class AccountFilterSerializer(serializers.Serializer):
    organization = serializers.IntegerField(
        required=False, min_value=1, help_text="Only accounts of this organisation (its id)."
    )
    search = serializers.CharField(
        required=False, max_length=30, help_text="Account number or its beginning."
    )
