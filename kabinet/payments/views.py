"""HTTP endpoints of the payment centre's integrations: the acquirers' server-to-server callbacks, and
the sandbox acquirer's hosted card page (a stand-in for a bank's site, not part of the portal)."""

import datetime as dt

from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kabinet.core.money import format_money
from kabinet.payments import conf, services, tasks
from kabinet.payments.acquirers import REGISTRY
from kabinet.payments.acquirers.sandbox import DECLINE_CARD, PENDING_CARD, SUCCESS_CARD
from kabinet.payments.models import CallbackLog, SandboxPayment
from kabinet.payments.sandbox_forms import CardForm

STATUS_BY_OUTCOME = {CallbackLog.Outcome.REJECTED: 400, CallbackLog.Outcome.UNKNOWN_ORDER: 404}


@csrf_exempt
@require_POST
def callback_view(request, acquirer):
    """An acquirer's notification. 2xx once processed (also duplicates: the acquirer may stop sending);
    400 when it could not be verified, 404 for an unknown payment."""
    if acquirer not in REGISTRY:
        raise Http404
    log = services.handle_callback(acquirer, request.body, dict(request.headers))
    return JsonResponse({"outcome": log.outcome}, status=STATUS_BY_OUTCOME.get(log.outcome, 200))


def _sandbox_payment(token) -> SandboxPayment:
    payment = SandboxPayment.objects.filter(token=token).first()
    if payment is None:
        raise Http404
    return payment


def sandbox_pay_view(request, token):
    """The sandbox bank's card page for one payment (its unguessable token is the address)."""
    payment = _sandbox_payment(token)
    if payment.status != "new":
        return HttpResponseRedirect(payment.return_url)
    form = CardForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "cancel":
        _finish(payment, "failed")
        return HttpResponseRedirect(payment.return_url)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["number"]
        payment.card_last4 = number[-4:]
        if number == SUCCESS_CARD:
            _finish(payment, "succeeded")
        elif number == PENDING_CARD:
            payment.succeed_after = timezone.now() + dt.timedelta(seconds=conf.sandbox_pending_seconds())
            _finish(payment, "pending")
            tasks.settle_sandbox_payment.schedule((payment.token,), delay=conf.sandbox_pending_seconds())
        else:
            if number != DECLINE_CARD:
                form.add_error("number", _("The sandbox accepts only its test cards."))
            _finish(payment, "failed")
        return HttpResponseRedirect(payment.return_url)
    return render(request, "payments/sandbox/pay.html", {
        "payment": payment, "form": form, "amount": format_money(payment.amount),
        "cards": [(SUCCESS_CARD, _("success")), (DECLINE_CARD, _("declined")),
                  (PENDING_CARD, _("pending, then success"))],
    }, status=400 if form.is_bound and not form.is_valid() else 200)


def _finish(payment: SandboxPayment, status: str) -> None:
    payment.status = status
    payment.save(update_fields=["status", "card_last4", "succeed_after"])
    try:
        tasks.deliver_sandbox_callback(payment.token)
    except Exception:  # noqa: BLE001 — the callback is retried by the queue; the re-check job also completes it
        pass
