"""API v1: bills (ЕПД). A bill is named `<account id>-<YYYY-MM>`: it exists for every closed period of
an account the user may see, printed on first download if the monthly job has not printed it yet."""

import datetime as dt
import re

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from kabinet.api import selectors
from kabinet.api.views import ERRORS
from kabinet.billing.bills import BillError, bill_index, issue_bill

BILL_ID = re.compile(r"^(?P<account>\d{1,18})-(?P<year>\d{4})-(?P<month>\d{2})$")


class BillSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="`<account id>-<YYYY-MM>`")
    account = serializers.IntegerField(source="account_id")
    period = serializers.SerializerMethodField()
    closing = serializers.DecimalField(max_digits=14, decimal_places=2,
                                       help_text="Balance at the end of the period: positive is a debt.")
    issued = serializers.SerializerMethodField()
    amount_due = serializers.DecimalField(max_digits=14, decimal_places=2, source="bill_amount_due", allow_null=True)
    issued_at = serializers.DateTimeField(source="bill_issued_at", allow_null=True)
    pdf = serializers.SerializerMethodField()

    def get_period(self, row) -> str:
        return f"{row.period:%Y-%m}"

    def get_issued(self, row) -> bool:
        return row.bill_id is not None

    def get_pdf(self, row) -> str:
        return reverse("api:bill-pdf", args=[bill_id(row)], request=self.context.get("request"))

    def to_representation(self, row):
        data = super().to_representation(row)
        data["id"] = bill_id(row)
        return data


def bill_id(row) -> str:
    return f"{row.account_id}-{row.period:%Y-%m}"


class BillFilterSerializer(serializers.Serializer):
    account = serializers.IntegerField(required=False, min_value=1)
    period = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False,
                                    error_messages={"invalid": _("Enter the period as YYYY-MM.")})


class BillPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


class BillListView(APIView):
    @extend_schema(parameters=[BillFilterSerializer], responses={200: BillSerializer(many=True), **ERRORS},
                   summary="Bills of the accounts the user may see",
                   description="One per closed period, newest first, without a time limit. `pdf` downloads it.")
    def get(self, request):
        filters = BillFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        accounts = selectors.visible_accounts(request.user).order_by()
        if "account" in filters.validated_data:
            accounts = accounts.filter(pk=filters.validated_data["account"])
        rows = bill_index(accounts.values("pk"))
        if "period" in filters.validated_data:
            rows = rows.filter(period=dt.date.fromisoformat(filters.validated_data["period"] + "-01"))
        paginator = BillPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(BillSerializer(page, many=True, context={"request": request}).data)


def _bill(request, pk: str):
    match = BILL_ID.match(pk)
    account = selectors.visible_account(request.user, int(match["account"])) if match else None
    if account is None:
        raise exceptions.NotFound(_("No such bill."))
    try:
        return issue_bill(account, dt.date(int(match["year"]), int(match["month"]), 1), send=False)
    except (ValueError, BillError) as exc:
        raise exceptions.NotFound(_("No such bill.")) from exc


class BillDetailView(APIView):
    @extend_schema(responses={200: BillSerializer, **ERRORS}, summary="One bill (printed now if needed)")
    def get(self, request, pk):
        bill = _bill(request, pk)
        row = bill_index(selectors.visible_accounts(request.user).filter(pk=bill.account_id).values("pk")) \
            .filter(period=bill.period).first()
        return Response(BillSerializer(row, context={"request": request}).data)


class BillPdfView(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, **ERRORS},
                   parameters=[OpenApiParameter("pk", str, OpenApiParameter.PATH)],
                   summary="The bill's PDF with the payment QR (ГОСТ Р 56042)")
    def get(self, request, pk):
        bill = _bill(request, pk)
        return FileResponse(bill.pdf.open("rb"), as_attachment=True, filename=bill.filename,
                            content_type="application/pdf")



