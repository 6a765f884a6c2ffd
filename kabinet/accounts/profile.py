"""A consumer's own profile (seed 001, «Настройки»): name, email and phone changed by a code, password.

Each write is one transaction and leaves a row in the user's audit history (simple-history) with
the acting user and a reason. A new email or phone is taken only after the code sent to it is
entered, so nobody can claim an address they do not hold; an unconfirmed email gets nothing but its
confirmation (see comms.services.notifications).
"""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kabinet.accounts import rules
from kabinet.accounts.codes import CodeError, check_code, issue_code
from kabinet.accounts.models import ConfirmationCode, User

EMAIL_PURPOSE = ConfirmationCode.Purpose.EMAIL_CONFIRM
PHONE_PURPOSE = ConfirmationCode.Purpose.PHONE_CHANGE


class ProfileError(Exception):
    """A refused change; `messages` are for the person (translated), `field` names the form field."""

    def __init__(self, message: str | list[str], field: str | None = None):
        self.messages = [message] if isinstance(message, str) else list(message)
        self.field = field
        super().__init__(" ".join(self.messages))


def _save(user: User, fields: list[str], reason: str) -> None:
    """Save the changed fields with the acting user and a reason in the audit history."""
    user._history_user = user
    user._change_reason = reason
    user.save(update_fields=fields)


def _locked(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


# One message for an address held by someone else: it says why it cannot be used, and nothing about
# who holds it.
def _email_taken() -> str:
    return _("This email is already used by another profile. Enter a different address.")


def _phone_taken() -> str:
    return _("This phone number is already used by another profile. Enter a different number.")


# --- Name -------------------------------------------------------------------------------------------


@transaction.atomic
def update_name(user: User, full_name: str) -> User:
    """Set the name the organisation uses in replies and letters (a real name or a nickname)."""
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise ProfileError(_("Enter your name."), "full_name")
    if len(full_name) > 255:
        raise ProfileError(_("The name is too long: at most 255 characters."), "full_name")
    locked = _locked(user)
    if locked.full_name != full_name:
        locked.full_name = full_name
        _save(locked, ["full_name"], "name changed")
    user.full_name = full_name
    return user


# --- Email ------------------------------------------------------------------------------------------


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def request_email_change(user: User, email: str) -> ConfirmationCode:
    """Send a code to `email`; the address becomes the user's only after `confirm_email_change`.

    Also confirms the user's current, unconfirmed address. Raises ProfileError (bad address, already
    theirs and confirmed, held by another profile) or codes.CodeThrottled.
    """
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise ProfileError(_("Enter an email address, for example name@example.ru."), "email") from None
    if email == user.email and user.email_confirmed:
        raise ProfileError(_("This is already your confirmed email."), "email")
    if User.objects.filter(email=email).exclude(pk=user.pk).exists():
        raise ProfileError(_email_taken(), "email")
    return issue_code(EMAIL_PURPOSE, ConfirmationCode.Channel.EMAIL, email,
                      payload={"user_id": user.pk, "email": email})


def _own_code(user: User, code_id, purpose: str) -> ConfirmationCode:
    """The code if it was issued for this user's change; else the same error as for a wrong code."""
    code = ConfirmationCode.objects.filter(pk=code_id, purpose=purpose).first() if code_id else None
    if code is None or code.payload.get("user_id") != user.pk:
        raise CodeError(_("The code is wrong. Request a new one."))
    return code


def confirm_email_change(user: User, code_id, code: str) -> User:
    """Check the code sent by `request_email_change` and make its address the user's confirmed email.

    Raises codes.CodeError (wrong, expired, used) or ProfileError (taken meanwhile).
    """
    _own_code(user, code_id, EMAIL_PURPOSE)
    # Not inside the transaction below: a wrong attempt must stay counted when CodeError is raised.
    accepted = check_code(code_id, code, EMAIL_PURPOSE)
    email = accepted.recipient
    try:
        with transaction.atomic():
            locked = _locked(user)
            if User.objects.filter(email=email).exclude(pk=user.pk).exists():
                raise ProfileError(_email_taken(), "email")
            locked.email, locked.email_confirmed = email, True
            _save(locked, ["email", "email_confirmed"], "email confirmed")
    except IntegrityError:
        raise ProfileError(_email_taken(), "email") from None
    user.email, user.email_confirmed = email, True
    return user


# --- Phone ------------------------------------------------------------------------------------------


def request_phone_change(user: User, phone: str) -> ConfirmationCode:
    """Send an SMS code to `phone`; the number becomes the user's only after `confirm_phone_change`.

    Raises ProfileError (not a mobile number, already theirs, held by another profile) or
    codes.CodeThrottled.
    """
    normalized = rules.normalize_phone(phone)
    if normalized is None:
        raise ProfileError(_("Enter a mobile phone number, for example +7 912 345-67-89."), "phone")
    if normalized == user.phone and user.phone_confirmed:
        raise ProfileError(_("This is already your confirmed phone number."), "phone")
    if User.objects.filter(phone=normalized).exclude(pk=user.pk).exists():
        raise ProfileError(_phone_taken(), "phone")
    return issue_code(PHONE_PURPOSE, ConfirmationCode.Channel.SMS, normalized,
                      payload={"user_id": user.pk, "phone": normalized})


def confirm_phone_change(user: User, code_id, code: str) -> User:
    """Check the SMS code sent by `request_phone_change` and make its number the user's confirmed phone.

    Raises codes.CodeError (wrong, expired, used) or ProfileError (taken meanwhile).
    """
    _own_code(user, code_id, PHONE_PURPOSE)
    accepted = check_code(code_id, code, PHONE_PURPOSE)
    phone = accepted.recipient
    try:
        with transaction.atomic():
            locked = _locked(user)
            if User.objects.filter(phone=phone).exclude(pk=user.pk).exists():
                raise ProfileError(_phone_taken(), "phone")
            locked.phone, locked.phone_confirmed = phone, True
            _save(locked, ["phone", "phone_confirmed"], "phone changed")
    except IntegrityError:
        raise ProfileError(_phone_taken(), "phone") from None
    user.phone, user.phone_confirmed = phone, True
    return user


def resend_change_code(user: User, code_id) -> ConfirmationCode:
    """A new code for the user's pending email or phone change `code_id` (which it replaces).

    Raises codes.CodeThrottled when asked too soon, CodeError when there is no such change.
    """
    old = ConfirmationCode.objects.filter(pk=code_id, purpose__in=[EMAIL_PURPOSE, PHONE_PURPOSE]).first() \
        if code_id else None
    if old is None or old.payload.get("user_id") != user.pk:
        raise CodeError(_("The code is wrong. Request a new one."))
    return issue_code(old.purpose, old.channel, old.recipient, payload=old.payload)


# --- Password ---------------------------------------------------------------------------------------


@transaction.atomic
def change_password(user: User, old_password: str, new_password: str) -> User:
    """Set a new password after checking the current one and AUTH_PASSWORD_VALIDATORS.

    Other sessions stop working because Django checks each session against the password hash; the
    caller keeps its own with `update_session_auth_hash`. Raises ProfileError.
    """
    locked = _locked(user)
    if not locked.check_password(old_password or ""):
        raise ProfileError(_("The current password is wrong."), "old_password")
    try:
        password_validation.validate_password(new_password, locked)
    except ValidationError as exc:
        raise ProfileError(exc.messages, "new_password") from None
    locked.set_password(new_password)
    _save(locked, ["password"], "password changed")
    user.password = locked.password
    return user
