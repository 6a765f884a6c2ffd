"""The payment centre (issue 5): pick what to pay, confirm with the commission, go to the acquirer's page,
come back to the order's status; and the payment history.

Everything about money is `kabinet.payments.services`: `payable_items` (what the user may pay: accounts
with the "payments" right, the debt per supplier), `quote` (commission, total, credited), `create_order`,
`start_checkout`, `refresh_order`, `payment_history`. Between the choice and the confirmation the lines
travel in one signed hidden field bound to the user; on «Оплатить» the lines are checked against
`payable_items` again and the quote is computed again, so nothing posted is trusted.
"""

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.accounts.services import linked_accounts
from kabinet.billing.models import Allocation
from kabinet.billing.selectors import with_balance
from kabinet.payments import acquirers, services
from kabinet.payments.models import PaymentOrder
from kabinet.portal.forms_payments import PayForm, amount_text, line_key, named_period_text
from kabinet.registry.models import PersonalAccount

PAYLOAD_SALT = "kabinet.portal.payments.confirm"
PAYLOAD_MAX_AGE = 60 * 60  # seconds: a confirmation page left open longer is filled again
REFRESH_EVERY = 5  # seconds: the return page asks the acquirer about a pending order at most this often
POLL_EVERY = 3  # seconds between the return page's htmx polls


def acquirer_label(code: str) -> str:
    """The acquirer's name for people."""
    labels = {"sandbox": _("Test bank (sandbox)"), "yookassa": _("YooKassa")}
    return str(labels.get(code, code))


# --- Step 1: what to pay ---------------------------------------------------------------------------------


def _preselect(request) -> int | None:
    value = request.GET.get("account", "")
    return int(value) if value.isdigit() else None


def _render_choice(request, form, items, *, status=200):
    return render(request, "portal/pay_choose.html", {
        "form": form, "groups": form.bound_lines(), "has_items": bool(items),
    }, status=status)


@login_required
def pay_view(request):
    """GET: the accounts the user may pay for, every supplier's debt prefilled. POST: check the choice and
    show the confirmation (nothing is charged yet). POST with `payload`: «Изменить» from the confirmation."""
    items = services.payable_items(request.user)
    if request.method != "POST":
        return _render_choice(request, PayForm(items=items, preselect=_preselect(request)), items)
    if "payload" in request.POST:
        payload = _load_payload(request)
        if payload is None:
            return _payload_refused(request)
        lines = {line_key(a, s): amount_text(Decimal(amount)) for a, s, amount in payload["lines"]}
        form = PayForm(items=items, initial_lines=lines, initial={"named_period": _period(payload)})
        return _render_choice(request, form, items)
    form = PayForm(request.POST, items=items)
    if not form.is_valid():
        return _render_choice(request, form, items)
    selection = [(item.account, item.supplier, amount) for item, amount in form.selection()]
    acquirer = acquirers.default_acquirer_code()
    try:
        quote = services.quote(selection, acquirer)
    except services.PaymentError as error:
        form.add_error(None, str(error))
        return _render_choice(request, form, items)
    return _render_confirm(request, quote, selection, acquirer, form.cleaned_data.get("named_period"))


# --- Step 2: confirm -------------------------------------------------------------------------------------


def _period(payload) -> dt.date | None:
    text = payload.get("period") or ""
    return dt.date.fromisoformat(f"{text}-01") if text else None


def sign_payment(user, selection, acquirer, named_period, total) -> str:
    """The confirmation page's hidden field: the chosen lines as ids and amounts, the acquirer, the
    month and the total shown, bound to the user and signed."""
    return signing.dumps({
        "user": user.pk,
        "lines": [[account.pk, getattr(supplier, "pk", None), str(amount)] for account, supplier, amount in selection],
        "acquirer": acquirer,
        "period": named_period_text(named_period),
        "total": str(total),
    }, salt=PAYLOAD_SALT, compress=True)


def _load_payload(request) -> dict | None:
    """The signed choice, or None if changed or too old. Another user's payload is a 404."""
    try:
        payload = signing.loads(request.POST.get("payload", ""), salt=PAYLOAD_SALT, max_age=PAYLOAD_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("user") != request.user.pk:
        raise Http404
    return payload


def _payload_refused(request):
    messages.error(request, _("The confirmation page was changed or is too old, so nothing was paid. "
                              "Choose what to pay again."))
    return redirect("portal:pay")


def _render_confirm(request, quote, selection, acquirer, named_period, *, changed=False):
    return render(request, "portal/pay_confirm.html", {
        "quote": quote,
        "named_period": named_period,
        "acquirer": acquirer,
        "acquirer_label": acquirer_label(acquirer),
        "payload": sign_payment(request.user, selection, acquirer, named_period, quote.total),
        "changed": changed,
    })


def _selection_from(payload, items):
    """The signed lines as (account, supplier, amount), each still payable by the user; None → 404."""
    payable = {line_key(item.account.pk, getattr(item.supplier, "pk", None)): item for item in items}
    selection = []
    for account_id, supplier_id, amount in payload["lines"]:
        item = payable.get(line_key(account_id, supplier_id))
        if item is None:
            return None
        selection.append((item.account, item.supplier, Decimal(amount)))
    return selection or None


@login_required
@require_POST
def pay_confirm_view(request):
    """«Оплатить»: the choice is checked and quoted again, the order created and the payer sent to the
    acquirer's page. A total that changed since the confirmation page (a new commission rule) is shown
    again to be confirmed."""
    payload = _load_payload(request)
    if payload is None:
        return _payload_refused(request)
    selection = _selection_from(payload, services.payable_items(request.user))
    if selection is None:
        raise Http404  # a line the user may not (or no longer) pay
    acquirer, named_period = payload.get("acquirer") or acquirers.default_acquirer_code(), _period(payload)
    try:
        quote = services.quote(selection, acquirer)
    except services.PaymentError as error:
        messages.error(request, str(error))
        return redirect("portal:pay")
    if str(quote.total) != payload.get("total"):
        return _render_confirm(request, quote, selection, acquirer, named_period, changed=True)
    order = services.create_order(request.user, selection, acquirer_code=acquirer, named_period=named_period)
    return_url = request.build_absolute_uri(reverse("portal:pay_return", args=[order.uuid]))
    callback_url = request.build_absolute_uri(reverse("payments:callback", args=[acquirer]))
    try:
        redirect_url = services.start_checkout(order, return_url=return_url, callback_url=callback_url)
    except services.PaymentError as error:  # the bank did not answer: nothing was charged, try again
        messages.error(request, str(error))
        return _render_confirm(request, quote, selection, acquirer, named_period)
    return redirect(redirect_url)


# --- Step 3: back from the acquirer ------------------------------------------------------------------------


def _own_order(request, uuid) -> PaymentOrder:
    order = (PaymentOrder.objects.filter(user=request.user, uuid=uuid)
             .prefetch_related("lines__account__premises__building", "lines__supplier").first())
    if order is None:
        raise Http404
    return order


def _refreshed(request, order) -> PaymentOrder:
    """A pending order after asking its acquirer, at most every REFRESH_EVERY seconds per order whatever
    the number of open pages (the cache key is taken atomically). A bank that does not answer leaves it
    pending: the page keeps polling and the scheduled re-check completes it."""
    if order.status != PaymentOrder.Status.PENDING:
        return order
    if not cache.add(f"portal:pay-refresh:{order.uuid}", 1, timeout=REFRESH_EVERY):
        return order
    if services.refresh_order(order).status == PaymentOrder.Status.PENDING:
        return order
    return _own_order(request, order.uuid)


def _with_balances(order) -> None:
    """Each line's account balance after crediting, from one query."""
    lines = list(order.lines.all())
    balances = dict(with_balance(PersonalAccount.objects.filter(pk__in={line.account_id for line in lines}))
                    .values_list("pk", "balance"))
    for line in lines:
        line.account_balance = balances.get(line.account_id)


@login_required
def pay_return_view(request, uuid):
    """The order's status for its owner: credited, still waiting (htmx polls this URL for the status
    block), or not paid with the reason."""
    order = _refreshed(request, _own_order(request, uuid))
    if order.status == PaymentOrder.Status.SUCCEEDED:
        _with_balances(order)
    context = {"order": order, "acquirer_label": acquirer_label(order.acquirer), "poll_every": POLL_EVERY,
               "waiting": order.status == PaymentOrder.Status.PENDING}
    if request.headers.get("HX-Request"):
        return render(request, "portal/pay_status.html", context)
    return render(request, "portal/pay_return.html", context)


# --- Payment history -------------------------------------------------------------------------------------


@login_required
def payment_history_view(request):
    """Every payment on the user's accounts (card, bank, cash office, loaded registries) with what it
    paid, and the user's card payments not completed; newest first; optionally of one account. A
    constant number of queries whatever the length of the history."""
    accounts = list(linked_accounts(request.user).with_address().order_by("organization__name", "number"))
    by_id = {account.pk: account for account in accounts}
    chosen = _preselect(request)
    if chosen is not None and chosen not in by_id:
        chosen = None  # not the user's account: the whole history, like an unknown filter value
    entries = services.payment_history(request.user, account=chosen)
    rows = [{"entry": entry, "account": by_id.get(entry.account.pk, entry.account),
             "parts": [{"part": part, "kind_label": _part_kind(part.kind)} for part in entry.parts]}
            for entry in entries]
    return render(request, "portal/payment_history.html", {
        "rows": rows, "accounts": accounts, "chosen": chosen,
        "can_pay": linked_accounts(request.user, "payments").exists(),
    })


def _part_kind(kind: str) -> str:
    return str(Allocation.Kind(kind).label) if kind in Allocation.Kind.values else kind
