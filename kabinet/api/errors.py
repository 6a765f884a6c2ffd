"""Every API error is JSON with a human-readable `detail` message (and field errors where there are any)."""

from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" in data:
        body = {"detail": str(data["detail"]), "code": getattr(data["detail"], "code", "error")}
    else:
        body = {"detail": "Invalid input.", "code": "invalid", "errors": data}
    response.data = body
    return response
