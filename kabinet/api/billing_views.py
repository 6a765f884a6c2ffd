"""API v1: billing (issue 4) — the account statement and the turnover sheet. Thin views: access through
`api.selectors`, the figures from `billing.statement.account_statement` and `billing.reports.turnover`."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from kabinet.api import selectors
from kabinet.api.billing_serializers import (
    StatementFilterSerializer,
    StatementSerializer,
    TurnoverFilterSerializer,
    TurnoverSerializer,
)
from kabinet.api.errors import ParameterErrors
from kabinet.api.serializers import ErrorSerializer
from kabinet.api.views import ERRORS
from kabinet.billing.reports import turnover
from kabinet.billing.statement import account_statement
from kabinet.core.money import add_months, period_start
from kabinet.registry.models import PersonalAccount

BAD_PARAMETERS = OpenApiResponse(ErrorSerializer, description=(
    "A period not in the form YYYY-MM, `from` after `to`, or an id that is not a number; `detail` names "
    "the parameter, `errors` has the messages per parameter."))


def parameters(serializer_class, request) -> dict:
    """The query parameters, checked: a 400 with a clear `detail` otherwise."""
    form = serializer_class(data=request.query_params)
    if not form.is_valid():
        raise ParameterErrors(form.errors)
    return form.validated_data


# --- The account statement -----------------------------------------------------------------------------


STATEMENT_EXAMPLE = {
    "account": {"id": 12, "number": "1000200", "address": "Кемерово, ул. Ленина, д. 1, кв. 5"},
    "period_from": "2026-04",
    "period_to": "2026-04",
    "periods": [{
        "period": "2026-04", "opening": "2705.06", "charged": "1469.67", "recalculated": "-100.00",
        "paid": "1000.00", "penalty": "0.00", "closing": "3074.73", "closing_state": "debt", "has_lines": True,
        "lines": [
            {"service": "Содержание", "unit": "м²", "zone": "", "zone_label": "", "volume": "54.300000",
             "tariff": "20.0000", "amount": "1086.00", "kind": "area", "kind_label": "По площади",
             "protocol": "Содержание: площадь 54,3 м² × 20,00 ₽ = 1 086,00 ₽"},
            {"service": "Холодная вода", "unit": "м³", "zone": "T1", "zone_label": "", "volume": "7.533334",
             "tariff": "50.9300", "amount": "383.67", "kind": "metered", "kind_label": "По прибору учёта",
             "protocol": "Холодная вода: по показаниям 18 − начислено по среднему или нормативу 10,46667 = "
                         "7,53333 м³ × 50,93 ₽ = 383,67 ₽"},
            {"service": "Содержание", "unit": "м²", "zone": "", "zone_label": "", "volume": "0.000000",
             "tariff": "0.0000", "amount": "-100.00", "kind": "recalculation", "kind_label": "Перерасчёт",
             "protocol": "Не было уборки подъезда"},
        ],
        "payments": [{"paid_on": "2026-04-05", "amount": "1000.00", "source": "bank", "source_label": "Банк",
                      "parts": [{"kind": "principal", "kind_label": "Основной долг", "period": "2026-02",
                                 "service": "Содержание", "amount": "802.94"},
                                {"kind": "principal", "kind_label": "Основной долг", "period": "2026-02",
                                 "service": "Холодная вода", "amount": "197.06"}]}],
        "penalties": [],
    }],
}


class AccountStatementView(APIView):
    @extend_schema(
        parameters=[StatementFilterSerializer],
        responses={200: StatementSerializer, 400: BAD_PARAMETERS, **ERRORS},
        examples=[OpenApiExample("One month", value=STATEMENT_EXAMPLE, response_only=True)],
        summary="The account statement, month by month",
        description=(
            "Every billing period of the account from `from` to `to` (inclusive; without them, the full "
            "history), newest first: opening, charged, recalculated, paid, penalty and closing, and the lines "
            "behind them — charges with volume, tariff, kind and protocol, recalculations, payments with what "
            "they paid, penalties. The account is found exactly as by `GET /accounts/{id}/`: a consumer's "
            "linked account, or an account of a staff member's organisations; anything else is a 404."
        ),
    )
    def get(self, request, pk):
        account = selectors.visible_account(request.user, pk)
        if account is None:
            raise exceptions.NotFound(_("No such account."))
        filters = parameters(StatementFilterSerializer, request)
        period_from, period_to = filters.get("from"), filters.get("to")
        periods = account_statement(account, period_from=period_from, period_to=period_to)
        data = {"account": account, "period_from": period_from, "period_to": period_to, "periods": periods}
        return Response(StatementSerializer(data).data)


# --- The turnover sheet --------------------------------------------------------------------------------


class TurnoverPagination(LimitOffsetPagination):
    max_limit = 1000


def last_month():
    return add_months(period_start(timezone.localdate()), -1)


class TurnoverView(APIView):
    pagination_class = TurnoverPagination

    @extend_schema(
        parameters=[
            TurnoverFilterSerializer,
            OpenApiParameter("limit", OpenApiTypes.INT, description="Account rows per page (default 100, at "
                                                                    "most 1000)."),
            OpenApiParameter("offset", OpenApiTypes.INT, description="The first account row to return."),
        ],
        responses={
            200: TurnoverSerializer,
            400: BAD_PARAMETERS,
            401: ERRORS[401],
            403: OpenApiResponse(ErrorSerializer, description="Not staff with the data loading or organisation "
                                                              "role."),
            404: OpenApiResponse(ErrorSerializer, description="No such building or organisation, or not yours."),
        },
        summary="The turnover sheet (staff)",
        description=(
            "The оборотно-сальдовая ведомость of the organisations where the user holds the data loading or "
            "the organisation role (sub-organisations included; the operator: all), for the periods `from` "
            "to `to`: a row per account (paginated), the roll-ups per building and per organisation, the "
            "total, and whether it reconciles (Σ opening + charged + recalculated + penalty − paid = Σ closing)."
        ),
    )
    def get(self, request):
        organizations = selectors.turnover_organizations(request.user)
        if organizations is None:
            raise exceptions.PermissionDenied(
                _("Only staff with the data loading or organisation role can read the turnover sheet."))
        filters = parameters(TurnoverFilterSerializer, request)
        accounts = PersonalAccount.objects.filter(organization__in=organizations)
        if "organization" in filters:
            organization = organizations.filter(pk=filters["organization"]).first()
            if organization is None:
                raise exceptions.NotFound(_("No such organisation."))
            accounts = accounts.filter(organization__path__startswith=organization.path)
        if "building" in filters:
            if selectors.turnover_building(organizations, filters["building"]) is None:
                raise exceptions.NotFound(_("No such building."))
            accounts = accounts.filter(premises__building_id=filters["building"])
        # As the panel: last month by default; one end given, that month alone.
        period_from = filters.get("from") or filters.get("to") or last_month()
        period_to = filters.get("to") or filters.get("from") or last_month()
        report = turnover(accounts, period_from, period_to)

        paginator = self.pagination_class()
        page = paginator.paginate_queryset(report.rows, request, view=self)
        data = {
            "period_from": report.period_from, "period_to": report.period_to,
            "count": paginator.count, "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(), "results": page,
            "buildings": report.buildings, "organizations": report.organizations, "total": report.total,
            "reconciles": report.reconciles, "statement": report.statement, "mismatches": report.mismatches,
        }
        return Response(TurnoverSerializer(data).data)
