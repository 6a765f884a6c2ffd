"""SMS self-service (seed 002): answer an inbound message from a consumer's phone.

The sender's phone must be confirmed on an active user linked to the account; readings need the
readings right and go through kabinet.metering.services exactly as from the portal (source "sms").
An unknown number gets one polite refusal and nothing else. Every message and its reply is logged
(InboundSms), and the reply is queued in the outbox to the sender.
"""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.accounts.models import User
from kabinet.accounts.rules import normalize_phone
from kabinet.accounts.services import linked_accounts
from kabinet.billing.selectors import with_balance
from kabinet.comms import sms_parser
from kabinet.comms.conf import sms_inbound_per_hour
from kabinet.comms.models import InboundSms
from kabinet.comms.services.notifications import notify
from kabinet.core.money import format_money
from kabinet.metering.services import MeteringError, ReadingsRejected, entries_for_account, submit_readings

Outcome = InboundSms.Outcome


class Reply(Exception):
    """Stops handling with this reply text and outcome."""

    def __init__(self, text: str, outcome: str = Outcome.REFUSED):
        super().__init__(text)
        self.text = text
        self.outcome = outcome


def help_text() -> str:
    return _(
        "Commands: ПОКАЗАНИЯ <account> <value> [<value>…] — meter readings, one value per zone "
        "(P 1000200 123.4); ДОЛГ <account> — balance (D 1000200); ПОМОЩЬ — this help. With one "
        "account the number may be left out."
    )


def unknown_sender_text() -> str:
    return _("Sorry, this phone number is not connected to Kabinet. To use SMS, register in Kabinet and "
             "confirm this number in your settings.")


def _parse_error_text(error: sms_parser.SmsParseError) -> str:
    if error.code == "no_values":
        return _("Send the readings after the command: ПОКАЗАНИЯ <account> <value>. ") + help_text()
    if error.code == "bad_value":
        return _("«%(word)s» is not a number. ") % {"word": error.word[:20]} + help_text()
    return _("Command not recognised. ") + help_text()


def _accounts(user, right: str) -> list:
    return list(linked_accounts(user, right).order_by("number", "pk"))


def _pick_account(user, right: str, words: tuple[str, ...]):
    """(account, the remaining words): the first word if it is the number of one of the user's
    accounts with the right, else the only such account. Never says whether another account exists."""
    accounts = _accounts(user, right)
    if words:
        by_number = [a for a in accounts if a.number == words[0]]
        if len(by_number) == 1:
            return by_number[0], words[1:]
    if len(accounts) == 1 and not (words and right == "view"):
        return accounts[0], words
    if words and right == "view":
        raise Reply(_("Account %(number)s is not linked to this phone number.") % {"number": words[0][:30]})
    if not accounts:
        raise Reply(_("No account linked to this phone number allows this command."))
    raise Reply(_("Several accounts are linked to this number: put the account number after the command, "
                  "e.g. %(example)s.") % {"example": f"{'P' if right == 'readings' else 'D'} {accounts[0].number}"})


def _amount(value: Decimal) -> str:
    return format_money(value, "руб.").replace("\u202f", " ").replace("\u00a0", " ")


def _debt_reply(user, words) -> tuple[str, object]:
    account, _rest = _pick_account(user, "view", words)
    balance = with_balance(type(account).objects.filter(pk=account.pk)).values_list("balance", flat=True)[0]
    if balance > 0:
        text = _("Account %(number)s: debt %(amount)s") % {"number": account.number, "amount": _amount(balance)}
    elif balance < 0:
        text = _("Account %(number)s: overpayment %(amount)s, nothing to pay.") % {
            "number": account.number, "amount": _amount(-balance)}
    else:
        text = _("Account %(number)s: no debt.") % {"number": account.number}
    return text, account


def _readings_reply(user, command: sms_parser.SmsCommand, today: dt.date | None) -> tuple[str, object]:
    account, values = _pick_account(user, "readings", command.args)
    if not values:
        raise Reply(_("Send the readings after the account number."), Outcome.INVALID)
    try:
        entries = entries_for_account(account, list(values))
        submission = submit_readings(entries, acting_user=user, source="sms", today=today,
                                     confirm_limit=command.confirmed, confirm_rollover=command.confirmed)
    except ReadingsRejected as exc:
        text = _("Readings not accepted: %(reason)s") % {"reason": "; ".join(i.message for i in exc.issues[:3])}
        if not exc.preview.errors and exc.preview.unconfirmed:
            text += " " + _("If the values are right, send the same message with «!» at the end.")
        raise Reply(text, Outcome.REJECTED) from exc
    except MeteringError as exc:
        raise Reply(_("Readings not accepted: %(reason)s") % {"reason": exc.message}, Outcome.REJECTED) from exc
    parts = []
    for meter_preview in submission.preview.meters:
        meter = meter_preview.meter
        consumption = meter_preview.consumption
        amount = "—" if consumption is None else f"{consumption.normalize():f} {meter.service.unit}".strip()
        parts.append(f"{meter.service} №{meter.serial_number}: {amount}")
    return _("Readings of account %(number)s accepted. Consumption: %(items)s.") % {
        "number": account.number, "items": "; ".join(parts)}, account


def handle_inbound_sms(phone: str, text: str, *, gateway_id: str | None = None,
                       today: dt.date | None = None) -> InboundSms:
    """Answer one inbound message and log it; the reply is queued to the sender as an SMS.

    A repeated `gateway_id` (the gateway retrying) returns the first log row and does nothing again.
    `today` is for tests (the readings window).
    """
    gateway_id = (gateway_id or "").strip()[:100] or None
    if gateway_id:
        seen = InboundSms.objects.filter(gateway_id=gateway_id).first()
        if seen is not None:
            return seen
    text = (text or "")[:1000]
    normalized = normalize_phone(phone or "") or (phone or "").strip()[:32]
    log = InboundSms(phone=normalized[:32], text=text, gateway_id=gateway_id)
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    if InboundSms.objects.filter(phone=log.phone, received_at__gte=hour_ago).count() >= sms_inbound_per_hour():
        # Logged, not answered: a flood must not cost an SMS reply each.
        log.outcome, log.reply = Outcome.REFUSED, ""
        log.save()
        return log
    user = User.objects.filter(phone=normalized, phone_confirmed=True, is_active=True).first() if normalized else None
    account = None
    if user is None:
        reply, outcome = unknown_sender_text(), Outcome.UNKNOWN_SENDER
    else:
        log.user = user
        try:
            command = sms_parser.parse_sms(text)
            log.command = command.kind
            if command.kind == sms_parser.HELP:
                reply, outcome = help_text(), Outcome.OK
            elif command.kind == sms_parser.DEBT:
                (reply, account), outcome = _debt_reply(user, command.args), Outcome.OK
            else:
                (reply, account), outcome = _readings_reply(user, command, today), Outcome.OK
        except sms_parser.SmsParseError as exc:
            reply, outcome = _parse_error_text(exc), Outcome.INVALID
        except Reply as exc:
            reply, outcome = exc.text, exc.outcome
    log.account, log.reply, log.outcome = account, reply, outcome
    try:
        with transaction.atomic():
            log.save()
            if normalized:
                rows = notify(normalized, "sms_reply", {"text": reply}, channels=("sms",))
                log.reply_notification = rows[0] if rows else None
                log.save(update_fields=["reply_notification"])
    except IntegrityError:  # the same gateway id arrived twice at once
        return InboundSms.objects.get(gateway_id=gateway_id)
    return log
