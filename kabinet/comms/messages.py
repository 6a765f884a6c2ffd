"""Texts of notifications, by template key: subject and body with %(name)s placeholders.

`topic` ties a template to a subscription of NotificationPreference (None: always sent, e.g. the
reply to an SMS command or a staff notice); `urgent` ones also ignore quiet hours (emergencies). Texts are translated into the language active when the outbox row is made
(Russian by default), and stored rendered.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MessageTemplate:
    subject: str | Promise
    body: str | Promise
    topic: str | None = None
    urgent: bool = False


TEMPLATES: dict[str, MessageTemplate] = {
    "appeal_reply": MessageTemplate(
        _("Reply to your appeal #%(appeal)s"),
        _("%(organization)s replied to your appeal #%(appeal)s «%(subject)s»:\n\n%(text)s\n\n"
          "Open Kabinet to read the whole thread and reply."),
        topic="appeal_replies",
    ),
    "appeal_consumer_reply": MessageTemplate(
        _("New message in appeal #%(appeal)s"),
        _("The consumer wrote in appeal #%(appeal)s «%(subject)s» (account %(account)s):\n\n%(text)s"),
    ),
    "appeal_assigned": MessageTemplate(
        _("Appeal #%(appeal)s is assigned to you"),
        _("Appeal #%(appeal)s «%(subject)s» (account %(account)s) is assigned to you; answer by %(due)s."),
    ),
    "announcement": MessageTemplate(
        _("%(organization)s: %(title)s"),
        _("%(title)s\n\n%(text)s"),
        topic="news",
    ),
    "announcement_emergency": MessageTemplate(
        _("Emergency: %(title)s"),
        _("%(organization)s: %(title)s. %(text)s"),
        urgent=True,
    ),
    "readings_reminder": MessageTemplate(
        _("Time to submit meter readings"),
        _("Submit the meter readings of account %(account)s by %(until)s in Kabinet or by SMS."),
        topic="readings_reminder",
    ),
    "payment_reminder": MessageTemplate(
        _("Payment due"),
        _("Account %(account)s: %(amount)s to pay by %(due)s."),
        topic="payment_reminder",
    ),
    "debt_warning": MessageTemplate(
        _("Debt warning"),
        _("Account %(account)s has a debt of %(amount)s. Unless it is paid by %(due)s, the supply of "
          "services may be restricted under the rules in force."),
        # Issue 6: every scheduled reminder respects the consumer's subscriptions and quiet hours.
        topic="payment_reminder",
    ),
    "e_receipt": MessageTemplate(
        _("Your bill for %(period)s"),
        _("The bill of account %(account)s for %(period)s is ready: %(amount)s. Open Kabinet to view and pay."),
        topic="e_receipt",
    ),
    "sms_reply": MessageTemplate("", "%(text)s"),
}


class UnknownTemplate(KeyError):
    pass


def get_template(key: str) -> MessageTemplate:
    try:
        return TEMPLATES[key]
    except KeyError as exc:
        raise UnknownTemplate(key) from exc


def render(key: str, context: dict) -> tuple[str, str]:
    """(subject, body) in the active language; a missing placeholder renders empty, never fails."""
    template = get_template(key)
    values = defaultdict(str, {k: "" if v is None else v for k, v in (context or {}).items()})
    return str(template.subject) % values, str(template.body) % values
