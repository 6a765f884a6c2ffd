"""API v1: meters and readings (issue 3). Thin views: access through `api.selectors` (built on the
metering selectors), every write through `metering.services`."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from kabinet.api import selectors
from kabinet.api.errors import ItemErrors, item_errors_from_serializer
from kabinet.api.metering_serializers import (
    MeterFilterSerializer,
    MeterSerializer,
    ReadingErrorSerializer,
    ReadingFilterSerializer,
    ReadingItemSerializer,
    ReadingSerializer,
    ReadingSubmissionSerializer,
    RejectSerializer,
    SubmissionResultSerializer,
)
from kabinet.api.parsers import DecimalJSONParser
from kabinet.api.serializers import ErrorSerializer
from kabinet.api.views import ERRORS
from kabinet.metering import services
from kabinet.metering.models import Reading
from kabinet.metering.selectors import last_accepted_readings


class ReadingStateConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The reading's status does not allow this.")
    default_code = "wrong_status"


class ListPagination(LimitOffsetPagination):
    max_limit = 500


# --- Meters --------------------------------------------------------------------------------------------


@extend_schema(parameters=[MeterFilterSerializer], responses={200: MeterSerializer(many=True), **ERRORS},
               summary="Meters the user may see")
class MeterListView(generics.ListAPIView):
    """A consumer's meters (individual, registered, not retired: house meters are never shown) and,
    for staff with the readings role, their organisations' meters; with the last accepted reading
    of every zone. A constant number of SQL queries whatever the number of meters."""

    serializer_class = MeterSerializer
    pagination_class = ListPagination

    def get_queryset(self):
        return selectors.visible_meters(self.request.user)

    def filter_queryset(self, queryset):
        filters = MeterFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        if "account" in filters.validated_data:
            queryset = queryset.filter(account_id=filters.validated_data["account"])
        return queryset

    def get_serializer(self, *args, **kwargs):
        meters = args[0] if args else []
        kwargs["context"] = {**self.get_serializer_context(), "last_readings": last_accepted_readings(meters)}
        return MeterSerializer(*args, **kwargs)


@extend_schema(responses={200: MeterSerializer, **ERRORS}, summary="One meter")
class MeterDetailView(APIView):
    def get(self, request, pk):
        meter = selectors.visible_meter(request.user, pk)
        if meter is None:
            raise exceptions.NotFound(_("No such meter."))
        context = {"request": request, "last_readings": last_accepted_readings([meter])}
        return Response(MeterSerializer(meter, context=context).data)


# --- Readings ------------------------------------------------------------------------------------------

READINGS_REJECTED = OpenApiResponse(ReadingErrorSerializer, description=(
    "Nothing was stored: every error with the index of its item, the field, a stable code and a message "
    "(e.g. code limit: repeat with confirm true; code rollover: repeat with confirm_rollover true)."
))

SUBMISSION = PolymorphicProxySerializer(
    component_name="ReadingsRequest",
    serializers=[ReadingSubmissionSerializer, ReadingItemSerializer(many=True)],
    resource_type_field_name=None,
    many=False,
)

SUBMISSION_EXAMPLES = [
    OpenApiExample("Two zones of one meter", request_only=True, value=[
        {"meter": 17, "zone": "T1", "value": "30203,5"},
        {"meter": 17, "zone": "T2", "value": 1245},
    ]),
    OpenApiExample("With confirmations", request_only=True, value={
        "readings": [{"meter": 18, "zone": "T1", "value": "00012.300"}],
        "confirm": True,
        "confirm_rollover": True,
    }),
    OpenApiExample("Consumption instead of the reading", request_only=True, value=[
        {"meter": 19, "zone": "T1", "value": "4.5", "mode": "consumption"},
    ]),
]


class ReadingListView(generics.ListAPIView):
    # The readings history (GET) and the submission of readings (POST).

    serializer_class = ReadingSerializer
    pagination_class = ListPagination
    # Numbers in the body become Decimal: a reading must never pass through a float.
    parser_classes = [DecimalJSONParser]

    def get_queryset(self):
        return selectors.visible_readings(self.request.user)

    def filter_queryset(self, queryset):
        filters = ReadingFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        if "meter" in data:
            queryset = queryset.filter(meter_id=data["meter"])
        if "period" in data:
            queryset = queryset.filter(period=data["period"])
        if "status" in data:
            queryset = queryset.filter(status=data["status"])
        return queryset

    @extend_schema(
        parameters=[ReadingFilterSerializer],
        responses={200: ReadingSerializer(many=True), **ERRORS},
        summary="Readings history, newest first",
        description=(
            "Readings of the consumer's meters (replaced and retired ones included) and, for staff with the "
            "readings role, of their organisations' meters, with status, source and the reason of a rejection."
        ),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=SUBMISSION,
        examples=SUBMISSION_EXAMPLES,
        responses={201: SubmissionResultSerializer, 400: READINGS_REJECTED, 401: ERRORS[401]},
        summary="Submit readings, all or nothing",
        description=(
            "A JSON list of items, or an object with `readings` (the list) and the confirmations. Every zone "
            "of a meter goes in one request; several meters at once. Stored all or nothing. A consumer's "
            "readings are stored with source `app` and status `new` (staff review them); a staff user's "
            "readings of their organisations' meters with source `staff`, accepted. Code `limit` asks to "
            "repeat with `confirm: true`, code `rollover` with `confirm_rollover: true`."
        ),
    )
    def post(self, request, *args, **kwargs):
        data = request.data
        form = ReadingSubmissionSerializer(data={"readings": data} if isinstance(data, list) else data)
        if not form.is_valid():
            raise ItemErrors(item_errors_from_serializer(form.errors))
        entries = form.validated_data["readings"]
        source = selectors.submission_source(request.user, [e["meter"] for e in entries])
        try:
            submission = services.submit_readings(
                entries, acting_user=request.user, source=source, confirm_limit=form.validated_data["confirm"],
                confirm_rollover=form.validated_data["confirm_rollover"], accept=source == Reading.Source.STAFF,
            )
        except services.ReadingsRejected as rejected:
            raise ItemErrors(rejected.as_api_errors(), detail=rejected.message) from None
        order = {(e["meter"], e["zone"]): index for index, e in enumerate(entries)}
        readings = sorted(submission.readings, key=lambda r: order[(r.meter_id, r.zone)])
        body = {
            "readings": ReadingSerializer(readings, many=True).data,
            "superseded": [r.pk for r in submission.superseded],
            "warnings": [issue.as_dict() for issue in submission.preview.warnings],
        }
        return Response(body, status=status.HTTP_201_CREATED)


# --- Review (staff) ----------------------------------------------------------------------------------------

REVIEW_ERRORS = {
    401: ERRORS[401],
    403: OpenApiResponse(ErrorSerializer, description="Not staff with the readings role."),
    404: ERRORS[404],
    409: OpenApiResponse(ErrorSerializer, description="The reading's status does not allow this."),
}


class ReviewView(APIView):
    def get_reading(self, request, pk) -> Reading:
        if not selectors.can_review_readings(request.user):
            raise exceptions.PermissionDenied(_("Only staff with the readings role can review readings."))
        reading = selectors.reviewable_reading(request.user, pk)
        if reading is None:
            raise exceptions.NotFound(_("No such reading."))
        return reading

    def respond(self, reading) -> Response:
        return Response(ReadingSerializer(reading).data)


class ReadingAcceptView(ReviewView):
    @extend_schema(request=None, responses={200: ReadingSerializer, **REVIEW_ERRORS},
                   summary="Accept a new reading (staff)")
    def post(self, request, pk):
        reading = self.get_reading(request, pk)
        try:
            reading = services.accept_reading(reading, acting_user=request.user)
        except services.MeteringError as error:
            raise ReadingStateConflict(error.message) from None
        return self.respond(reading)


class ReadingRejectView(ReviewView):
    @extend_schema(
        request=RejectSerializer,
        responses={
            200: ReadingSerializer,
            400: OpenApiResponse(ErrorSerializer, description="No reason given."),
            **REVIEW_ERRORS,
        },
        summary="Reject a reading (staff)",
        description="A new or accepted (not yet billed) reading; the consumer sees the reason.",
    )
    def post(self, request, pk):
        reading = self.get_reading(request, pk)
        form = RejectSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            reading = services.reject_reading(reading, form.validated_data["reason"], acting_user=request.user)
        except services.MeteringError as error:
            raise ReadingStateConflict(error.message) from None
        return self.respond(reading)
