"""Confirmation codes by SMS or email: issue with throttling, check with expiry and attempt limits."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.accounts import rules
from kabinet.accounts.models import ConfirmationCode
from kabinet.comms.sms import send_sms


class CodeError(Exception):
    """A code was refused; the message is for the person who typed it."""


class CodeThrottled(CodeError):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _secret() -> str:
    return settings.SECRET_KEY


def _message(purpose: str, code: str) -> str:
    texts = {
        ConfirmationCode.Purpose.REGISTRATION: _("Kabinet registration code: %(code)s. Do not tell it to anyone."),
        ConfirmationCode.Purpose.PASSWORD_RESET: _("Kabinet password reset code: %(code)s. Do not tell it to anyone."),
        ConfirmationCode.Purpose.PHONE_CHANGE: _("Kabinet phone confirmation code: %(code)s."),
        ConfirmationCode.Purpose.EMAIL_CONFIRM: _("Kabinet email confirmation code: %(code)s."),
    }
    return texts[purpose] % {"code": code}


def seconds_until_resend(purpose: str, recipient: str) -> int:
    last = ConfirmationCode.objects.filter(purpose=purpose, recipient=recipient).order_by("-created_at").first()
    if not last:
        return 0
    wait = settings.KABINET_CODE_RESEND_SECONDS - (timezone.now() - last.created_at).total_seconds()
    return max(0, int(wait + 0.999))


def issue_code(purpose: str, channel: str, recipient: str, payload: dict | None = None) -> ConfirmationCode:
    """Create a code and send it. Raises CodeThrottled when asked again too soon or too often."""
    now = timezone.now()
    wait = seconds_until_resend(purpose, recipient)
    if wait:
        raise CodeThrottled(_("A new code can be requested in %(seconds)s s.") % {"seconds": wait}, wait)
    hourly = ConfirmationCode.objects.filter(recipient=recipient, created_at__gte=now - timedelta(hours=1)).count()
    if hourly >= settings.KABINET_CODES_PER_HOUR:
        raise CodeThrottled(_("Too many codes were requested. Try again in an hour."), 3600)
    code = rules.generate_code()
    with transaction.atomic():
        # A new code replaces the earlier unused ones for the same purpose.
        ConfirmationCode.objects.filter(purpose=purpose, recipient=recipient, used_at__isnull=True).update(
            used_at=now
        )
        obj = ConfirmationCode.objects.create(
            purpose=purpose,
            channel=channel,
            recipient=recipient,
            code_hash=rules.hash_code(code, _secret()),
            payload=payload or {},
            expires_at=now + timedelta(minutes=settings.KABINET_CODE_TTL_MINUTES),
        )
    text = _message(purpose, code)
    if channel == ConfirmationCode.Channel.SMS:
        send_sms(recipient, text)
    else:
        send_mail(_("Confirmation code"), text, None, [recipient])
    return obj


def check_code(code_id: int | None, entered: str, purpose: str) -> ConfirmationCode:
    """Accept a code once. Wrong, expired, reused or exhausted codes raise CodeError with a clear message."""
    entered = (entered or "").strip()
    error = None
    with transaction.atomic():
        obj = (
            ConfirmationCode.objects.select_for_update().filter(pk=code_id, purpose=purpose).first()
            if code_id
            else None
        )
        if obj is None:
            error = _("The code is wrong. Request a new one.")
        elif obj.used_at is not None:
            error = _("This code has already been used or replaced by a newer one. Request a new code.")
        elif obj.expires_at <= timezone.now():
            error = _("The code has expired. Request a new one.")
        elif obj.attempts >= settings.KABINET_CODE_MAX_ATTEMPTS:
            error = _("Too many wrong attempts. Request a new code.")
        elif not rules.codes_match(entered, obj.code_hash, _secret()):
            # The attempt is counted (and committed) before the error is raised.
            obj.attempts += 1
            obj.save(update_fields=["attempts"])
            left = settings.KABINET_CODE_MAX_ATTEMPTS - obj.attempts
            if left <= 0:
                error = _("Too many wrong attempts. Request a new code.")
            else:
                error = _("The code is wrong. Attempts left: %(left)s.") % {"left": left}
        else:
            obj.used_at = timezone.now()
            obj.save(update_fields=["used_at"])
    if error:
        raise CodeError(error)
    return obj
