"""Payment jobs: sandbox callbacks delivered over HTTP (as a bank would), and the re-check of orders
left pending (a lost callback never loses a payment)."""

import logging
import urllib.request

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

logger = logging.getLogger(__name__)


def post_callback(url: str, body: bytes, signature: str) -> int:
    from kabinet.payments.acquirers.sandbox import SIGNATURE_HEADER

    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", SIGNATURE_HEADER: signature})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our own configured URL)
        return response.status


@db_task(retries=5, retry_delay=10)
def deliver_sandbox_callback(token: str):
    """POST the sandbox payment's current state, signed, to the callback URL it was created with."""
    from kabinet.payments.acquirers.sandbox import callback_body, settle_if_due, sign
    from kabinet.payments.models import SandboxPayment

    payment = settle_if_due(SandboxPayment.objects.get(token=token))
    body = callback_body(payment)
    status = post_callback(payment.callback_url, body, sign(body))
    logger.info("sandbox callback %s (%s) delivered: HTTP %s", token, payment.status, status)


@db_task()
def settle_sandbox_payment(token: str):
    """The "pending then success" card: after its delay, succeed and notify."""
    from kabinet.payments.acquirers.sandbox import settle_if_due
    from kabinet.payments.models import SandboxPayment

    payment = settle_if_due(SandboxPayment.objects.get(token=token))
    if payment.status == "succeeded":
        deliver_sandbox_callback(token)


@db_periodic_task(crontab(minute="*/5"))
def recheck_pending_payments():
    from kabinet.payments.services import recheck_pending

    done = recheck_pending()
    if done:
        logger.info("re-check completed %s pending payments", done)
