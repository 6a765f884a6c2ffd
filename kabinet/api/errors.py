"""Every API error is JSON with a human-readable `detail` message (and field errors where there are any)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

INVALID_INPUT = _("Invalid input.")  # DRF's words, which its Russian catalogue leaves untranslated


class ItemErrors(exceptions.APIException):
    """A 400 for a request of several items (readings): `errors` is a list of
    {"index", "field", "code", "message"}; `detail` is the first message unless given."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, errors: list[dict], detail=None):
        self.errors = errors
        if detail is None:
            detail = errors[0]["message"] if errors else INVALID_INPUT
        super().__init__(detail, self.default_code)


class ParameterErrors(exceptions.APIException):
    """A 400 for bad query parameters: `errors` is {parameter: [messages]} like any field errors, and
    `detail` names the first problem ("from: Use the form YYYY-MM, e.g. 2026-11.") instead of the bare
    "Invalid input."."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, errors: dict):
        self.errors = {name: [str(message) for message in messages] for name, messages in errors.items()}
        name, messages = next(iter(self.errors.items()))
        detail = messages[0] if name == api_settings.NON_FIELD_ERRORS_KEY else f"{name}: {messages[0]}"
        super().__init__(detail, self.default_code)


def item_errors_from_serializer(errors) -> list[dict]:
    """DRF errors of a serializer with a `readings` list → [{"index", "field", "code", "message"}]:
    an item's field errors carry its index; errors of the request as a whole have index null."""
    result = []

    def add(index, field, details):
        for detail in details if isinstance(details, list) else [details]:
            if isinstance(detail, dict):  # nested deeper than expected: report it on the item
                for inner in detail.values():
                    add(index, field, inner)
                continue
            result.append({"index": index, "field": field, "code": getattr(detail, "code", "invalid"),
                           "message": str(detail)})

    def add_item(index, item_errors):
        for field, details in item_errors.items():
            add(index, None if field == api_settings.NON_FIELD_ERRORS_KEY else field, details)

    for name, value in errors.items():
        if name == "readings" and isinstance(value, dict):  # {index: {field: [...]}} or {"non_field_errors": [...]}
            for key, details in value.items():
                if isinstance(key, int):
                    add_item(key, details)
                else:
                    add(None, "readings", details)
        elif name == "readings" and isinstance(value, list) and any(isinstance(v, dict) for v in value):
            for index, item_errors in enumerate(value):  # older DRF: a list with one entry per item
                add_item(index, item_errors or {})
        else:
            add(None, None if name == api_settings.NON_FIELD_ERRORS_KEY else name, value)
    return result


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" in data:
        body = {"detail": str(data["detail"]), "code": getattr(data["detail"], "code", "error")}
        if isinstance(exc, ItemErrors | ParameterErrors):
            body["errors"] = exc.errors
    else:
        body = {"detail": str(INVALID_INPUT), "code": "invalid", "errors": data}
    response.data = body
    return response
