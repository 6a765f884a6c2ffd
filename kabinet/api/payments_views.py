"""API v1: the payment centre (issue 5). Thin views over `kabinet.payments.services`: pay (an order and the
acquirer's page), the history, one order's status, and for staff the supplier payment registry (JSON or
CSV with `?format=csv`)."""

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from kabinet.api import selectors
from kabinet.api.billing_views import parameters
from kabinet.api.errors import ItemErrors
from kabinet.api.payments_serializers import (
    HistoryEntrySerializer,
    HistoryFilterSerializer,
    PaymentOrderSerializer,
    PaymentRequestSerializer,
    RegistryFilterSerializer,
    RegistrySerializer,
)
from kabinet.api.serializers import ErrorSerializer
from kabinet.api.views import ERRORS
from kabinet.core.spreadsheets import download
from kabinet.payments import exports, services
from kabinet.payments.models import PaymentOrder

REFRESH_EVERY = 5  # seconds: a pending order's status is asked from the acquirer at most this often


class AcquirerUnavailable(exceptions.APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "acquirer_unavailable"


def _item_errors(errors) -> list[dict]:
    """Serializer errors of a payment request → [{"index", "field", "code", "message"}]."""
    result = []

    def add(index, field, details):
        for detail in details if isinstance(details, list) else [details]:
            if isinstance(detail, dict):
                for name, inner in detail.items():
                    add(index, name, inner)
                continue
            result.append({"index": index, "field": field, "code": getattr(detail, "code", "invalid"),
                           "message": str(detail)})

    for name, value in errors.items():
        if name == "items" and isinstance(value, list) and any(isinstance(v, dict) for v in value):
            for index, item in enumerate(value):
                for field, details in (item or {}).items():
                    add(index, field, details)
        elif name == "items" and isinstance(value, dict) and any(isinstance(k, int) for k in value):
            for index, item in value.items():
                for field, details in item.items():
                    add(index, field, details)
        else:
            add(None, None if name == api_settings.NON_FIELD_ERRORS_KEY else name, value)
    return result


def _orders(user):
    return PaymentOrder.objects.filter(user=user).prefetch_related("lines__account", "lines__supplier")


# --- Pay and the history --------------------------------------------------------------------------------

PAY_EXAMPLE = {"items": [{"account": 12, "supplier": 3, "amount": "1500.00"},
                         {"account": 12, "supplier": 7, "amount": "412.35"}],
               "named_period": "2026-10"}
ORDER_EXAMPLE = {
    "id": "0b6f1c1e-55d5-4a57-9a0f-8e4f3b4f9a10", "status": "pending", "status_label": "Ожидает ответа банка",
    "amount": "1912.35", "commission": "19.12", "total": "1912.35", "acquirer": "sandbox",
    "named_period": "2026-10", "redirect_url": "https://kabinet.example.com/sandbox-acquirer/pay/sbx_…/",
    "failure_reason": "", "created_at": "2026-11-25T09:00:00+03:00", "paid_at": None,
    "lines": [{"account": 12, "account_number": "1000200", "supplier": 3, "supplier_name": "ООО «УК Пример»",
               "amount": "1500.00", "commission": "15.00"},
              {"account": 12, "account_number": "1000200", "supplier": 7, "supplier_name": "АО «Водоканал»",
               "amount": "412.35", "commission": "4.12"}],
}


class PaymentListView(APIView):
    @extend_schema(
        parameters=[HistoryFilterSerializer],
        responses={200: HistoryEntrySerializer(many=True), **ERRORS},
        summary="Payment history, newest first",
        description=(
            "Every payment on the accounts the user is linked to — by card in the Kabinet, at a bank, at a cash "
            "desk, loaded from a registry — with its source (`source`, and `source_label` in words), what it "
            "paid (`parts`: periods, services, suppliers) and its status; card payments not completed yet are "
            "listed with their `order` id. Paginated with `limit`/`offset`."
        ),
    )
    def get(self, request):
        filters = parameters(HistoryFilterSerializer, request)
        account = filters.get("account")
        if account is not None and not selectors.visible_accounts(request.user).filter(pk=account).exists():
            raise exceptions.NotFound(_("No such account."))
        entries = services.payment_history(request.user, account=account)
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(HistoryEntrySerializer(page, many=True).data)

    @extend_schema(
        request=PaymentRequestSerializer,
        examples=[OpenApiExample("Two suppliers of one account", value=PAY_EXAMPLE, request_only=True),
                  OpenApiExample("The order", value=ORDER_EXAMPLE, response_only=True, status_codes=["201"])],
        responses={
            201: PaymentOrderSerializer,
            400: OpenApiResponse(ErrorSerializer, description=(
                "Bad input: `detail` says what, `errors` lists {index, field, code, message} per item (an "
                "amount not positive, with more than two decimals or too large; an account you may not pay "
                "for; the same line twice).")),
            401: ERRORS[401],
            502: OpenApiResponse(ErrorSerializer, description="The acquirer did not answer; nothing was charged."),
        },
        summary="Pay: create a payment and get the acquirer's page",
        description=(
            "One payment for one or several accounts and suppliers (the «Оплатить» of the payment centre). "
            "Each item pays `amount` off the debt of `account` to `supplier`; the commission is computed by the "
            "server from the organisation's rule for the acquirer, never taken from the client. Answers 201 with "
            "the order: `amount` (to the debts), `commission`, `total` (charged to the card) and `redirect_url`, "
            "the acquirer's page to open for the payer. A completed payment cannot be cancelled. Follow it with "
            "`GET /payments/{id}/`. Only accounts with the payments right (owner, or a delegate given it)."
        ),
    )
    def post(self, request):
        form = PaymentRequestSerializer(data=request.data)
        if not form.is_valid():
            raise ItemErrors(_item_errors(form.errors))
        data = form.validated_data
        payable = {(item.account.pk, item.supplier.pk): item for item in services.payable_items(request.user)}
        items, errors = [], []
        for index, line in enumerate(data["items"]):
            item = payable.get((line["account"], line["supplier"]))
            if item is None:
                errors.append({"index": index, "field": "account", "code": "not_payable",
                               "message": _("No such account and supplier, or you may not pay for it.")})
                continue
            try:
                amount = services.clean_amount(line["amount"])
            except services.PaymentError as error:
                errors.append({"index": index, "field": "amount", "code": "invalid", "message": str(error)})
                continue
            items.append((item.account, item.supplier, amount))
        if errors:
            raise ItemErrors(errors)
        try:
            order = services.create_order(request.user, items, acquirer_code=data.get("acquirer") or None,
                                          named_period=data.get("named_period"))
        except services.PaymentError as error:
            raise exceptions.ValidationError({"detail": str(error)}) from None
        return_url = request.build_absolute_uri(reverse("portal:pay_return", args=[order.uuid]))
        callback_url = request.build_absolute_uri(reverse("payments:callback", args=[order.acquirer]))
        try:
            services.start_checkout(order, return_url=return_url, callback_url=callback_url)
        except services.PaymentError as error:
            raise AcquirerUnavailable(str(error)) from None
        order = _orders(request.user).get(pk=order.pk)
        return Response(PaymentOrderSerializer(order, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class PaymentDetailView(APIView):
    @extend_schema(
        responses={200: PaymentOrderSerializer, **ERRORS},
        summary="A payment's status",
        description=(
            "The user's own card payment: `pending` while the bank has not confirmed it (then the server asks "
            "the acquirer, at most every few seconds), `succeeded` once credited, `failed` with "
            "`failure_reason`. Someone else's payment is a 404."
        ),
    )
    def get(self, request, uuid):
        order = _orders(request.user).filter(uuid=uuid).first()
        if order is None:
            raise exceptions.NotFound(_("No such payment."))
        if order.status == PaymentOrder.Status.PENDING and cache.add(f"api:pay-refresh:{order.uuid}", 1,
                                                                     timeout=REFRESH_EVERY):
            if services.refresh_order(order).status != PaymentOrder.Status.PENDING:
                order = _orders(request.user).get(pk=order.pk)
        return Response(PaymentOrderSerializer(order, context={"request": request}).data)


# --- The supplier payment registry (staff) ------------------------------------------------------------------


class CsvRenderer(BaseRenderer):
    """Selected with `?format=csv`: the view answers with the file itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else b""


class PaymentRegistryView(APIView):
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        parameters=[
            RegistryFilterSerializer,
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"],
                             description="`csv` for the registry as a file (semicolons, UTF-8 with a BOM)."),
        ],
        responses={
            200: RegistrySerializer,
            400: OpenApiResponse(ErrorSerializer, description="A date not YYYY-MM-DD, `from` after `to`, or more "
                                                              "than a year."),
            401: ERRORS[401],
            403: OpenApiResponse(ErrorSerializer, description="Not staff with the data loading or organisation "
                                                              "role."),
            404: OpenApiResponse(ErrorSerializer, description="No such organisation, or not yours."),
        },
        summary="The supplier payment registry (staff)",
        description=(
            "Реестр платежей: the card payments received for `supplier` (or all the organisations where the user "
            "holds the data loading or the organisation role, sub-organisations included) from `from` to `to` "
            "inclusive, by the day the bank confirmed them: date and time, account, payer, amount, commission, "
            "to transfer; with totals. `?format=csv` gives the same as a CSV file."
        ),
    )
    def get(self, request):
        organizations = selectors.turnover_organizations(request.user)
        if organizations is None:
            raise exceptions.PermissionDenied(
                _("Only staff with the data loading or organisation role can read the payment registry."))
        filters = parameters(RegistryFilterSerializer, request)
        suppliers = organizations
        if "supplier" in filters:
            suppliers = list(organizations.filter(pk=filters["supplier"]))
            if not suppliers:
                raise exceptions.NotFound(_("No such organisation."))
        today = timezone.localdate()
        end = filters.get("to") or today
        start = filters.get("from") or min(end, today).replace(day=1)
        if start > end:
            start = end
        if request.accepted_renderer.format == "csv":
            return download(exports.registry_csv(suppliers, start, end), f"registry-{start:%Y%m%d}-{end:%Y%m%d}.csv")
        rows = services.registry_rows(suppliers, start, end)
        data = {"from": start, "to": end, "rows": rows, "totals": exports.totals(rows)}
        return Response(RegistrySerializer(data).data)

    def handle_exception(self, exc):
        # Errors are JSON whatever format was asked for.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)
