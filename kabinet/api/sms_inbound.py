"""The SMS gateway's webhooks: `POST /sms/inbound` delivers a consumer's message here, and
`POST /sms/delivery` reports whether an SMS we sent reached the phone.

The body is signed with the shared secret `KABINET_SMS_INBOUND_SECRET`: the header
`X-Kabinet-Signature` carries the HMAC-SHA256 of the raw body in hex (optionally prefixed
`sha256=`). A missing or wrong signature, or no secret configured, is a 403 and nothing is done.

Fields, as a form or JSON: the sender in `phone` (or `from`, `sender`, `msisdn`), the message in
`text` (or `message`, `body`), the gateway's message id in `id` (optional: a retried delivery is
answered from the log, not handled twice). The reply is queued to the sender through the SMS
backend and also returned: `{"reply": "...", "outcome": "..."}`.

Delivery reports are signed the same way; fields: `id` (the gateway's message id, as returned when
the SMS was sent), `status` (`delivered` or anything else for a failure) and an optional `error`.
"""

import hashlib
import hmac
import json

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kabinet.comms.conf import sms_inbound_secret
from kabinet.comms.services.notifications import record_delivery
from kabinet.comms.services.sms_commands import handle_inbound_sms

SIGNATURE_HEADER = "X-Kabinet-Signature"
PHONE_FIELDS = ("phone", "from", "sender", "msisdn")
TEXT_FIELDS = ("text", "message", "body")


def sign(body: bytes, secret: str) -> str:
    """The signature a gateway sends for `body` (also used by the tests)."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_ok(body: bytes, header: str, secret: str) -> bool:
    if not secret or not header:
        return False
    given = header.strip()
    if given.lower().startswith("sha256="):
        given = given[7:]
    return hmac.compare_digest(given.lower(), sign(body, secret))


def _fields(request) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


def _first(data: dict, names) -> str:
    for name in names:
        value = data.get(name)
        if value not in (None, ""):
            return str(value)
    return ""


def _signed_fields(request) -> dict | None:
    """The request's fields if its body carries a valid signature, else None."""
    body = request.body  # read before POST parsing, as signed
    if not signature_ok(body, request.headers.get(SIGNATURE_HEADER, ""), sms_inbound_secret()):
        return None
    return _fields(request)


@csrf_exempt
@require_POST
def sms_inbound(request):
    data = _signed_fields(request)
    if data is None:
        return JsonResponse({"detail": "Forbidden"}, status=403)
    phone, text = _first(data, PHONE_FIELDS), _first(data, TEXT_FIELDS)
    if not phone:
        return JsonResponse({"detail": "The sender's phone is missing."}, status=400)
    log = handle_inbound_sms(phone, text, gateway_id=_first(data, ("id", "message_id")) or None)
    return JsonResponse({"reply": log.reply, "outcome": log.outcome})


@csrf_exempt
@require_POST
def sms_delivery(request):
    data = _signed_fields(request)
    if data is None:
        return JsonResponse({"detail": "Forbidden"}, status=403)
    gateway_id = _first(data, ("id", "message_id"))
    if not gateway_id:
        return JsonResponse({"detail": "The message id is missing."}, status=400)
    delivered = _first(data, ("status", "state")).lower() in ("delivered", "delivrd", "ok")
    updated = record_delivery(gateway_id, delivered, _first(data, ("error", "reason")))
    return JsonResponse({"updated": updated})


# Included by kabinet/urls.py at "sms/".
urlpatterns = [
    path("inbound", sms_inbound, name="sms_inbound"),
    path("delivery", sms_delivery, name="sms_delivery"),
]
