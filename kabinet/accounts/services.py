"""Actions that write identities and access: registration, linking accounts, delegation, blocking.

Each is one transaction; the portal, the panel and the API call the same functions.
"""

from datetime import timedelta

from axes.utils import reset as reset_lockout
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.accounts import rules
from kabinet.accounts.codes import CodeError, check_code, issue_code
from kabinet.accounts.lockout import lockout_username
from kabinet.accounts.models import AccountLink, ApiToken, ConfirmationCode, User
from kabinet.registry.models import PersonalAccount


class AccessError(Exception):
    """A refused action; the message is shown to the person as is."""


# One message for "no such account" and "wrong receipt code", so that numbers cannot be probed.
def _not_found_message() -> str:
    return _(
        "No account with this number and receipt code was found. Check both on your latest bill "
        "or contact your management company."
    )


def find_account_by_receipt(number: str, receipt_code: str) -> PersonalAccount:
    """The open account with this number whose receipt code matches; AccessError otherwise."""
    number = (number or "").strip().replace(" ", "")
    receipt_code = (receipt_code or "").strip()
    if not number or not receipt_code:
        raise AccessError(_not_found_message())
    account = (
        PersonalAccount.objects.with_address()
        .filter(number=number, receipt_code=receipt_code, is_open=True, organization__is_active=True)
        .first()
    )
    if account is None:
        raise AccessError(_not_found_message())
    return account


@transaction.atomic
def register_consumer(*, account: PersonalAccount, phone: str, password: str, full_name: str = "",
                      email: str = "") -> tuple[User, bool]:
    """Create the consumer whose phone was just confirmed by SMS and make them owner of `account`.

    If a user with this phone already exists (the code proved they hold it), the account is linked
    to them and their password is kept. Returns (user, created).
    """
    user = User.objects.filter(phone=phone).first()
    created = user is None
    if created:
        email = (email or "").strip().lower() or None
        if email and User.objects.filter(email=email).exists():
            email = None  # confirmed later in settings; never silently take someone's address
        user = User.objects.create_user(email=email, password=password, phone=phone, full_name=full_name.strip(),
                                        phone_confirmed=True)
    else:
        if not user.phone_confirmed:
            user.phone_confirmed = True
            user.save(update_fields=["phone_confirmed"])
    AccountLink.objects.get_or_create(user=user, account=account, defaults={"role": AccountLink.Role.OWNER})
    return user, created


@transaction.atomic
def link_account(user: User, number: str, receipt_code: str) -> AccountLink:
    """Add another account (of any organisation) to a user who proves possession by the receipt code."""
    account = find_account_by_receipt(number, receipt_code)
    link = AccountLink.objects.filter(user=user, account=account).first()
    if link and link.is_owner:
        raise AccessError(_("Account %(number)s is already linked.") % {"number": account.number})
    if link:  # a delegate who proves possession becomes an owner
        link.role = AccountLink.Role.OWNER
        link.save(update_fields=["role"])
        return link
    return AccountLink.objects.create(user=user, account=account, role=AccountLink.Role.OWNER)


@transaction.atomic
def unlink_account(user: User, account_id: int) -> None:
    deleted, _count = AccountLink.objects.filter(user=user, account_id=account_id).delete()
    if not deleted:
        raise AccessError(_("This account is not linked to you."))


def find_user_by_contact(contact: str) -> User | None:
    ident = rules.classify_identifier(contact)
    if ident is None or ident.kind == "account":
        return None
    return User.objects.filter(**{ident.kind: ident.value}).first()


@transaction.atomic
def grant_delegation(owner: User, account_id: int, contact: str, rights: list[str]) -> AccountLink:
    """The owner lets another user (by email or phone) act on the account with the chosen rights."""
    owner_link = AccountLink.objects.filter(user=owner, account_id=account_id, role=AccountLink.Role.OWNER).first()
    if owner_link is None:
        raise AccessError(_("Only the owner of an account can grant access to it."))
    grantee = find_user_by_contact(contact)
    if grantee is None:
        raise AccessError(
            _("No user with this email or phone. Ask them to register in Kabinet first, then grant access.")
        )
    if grantee.pk == owner.pk:
        raise AccessError(_("You cannot delegate an account to yourself."))
    link = AccountLink.objects.filter(user=grantee, account_id=account_id).first()
    if link and link.is_owner:
        raise AccessError(_("This user is already an owner of the account."))
    if link is None:
        link = AccountLink(user=grantee, account_id=account_id, role=AccountLink.Role.DELEGATE)
    link.granted_by = owner
    for right in AccountLink.RIGHTS[1:]:
        setattr(link, f"can_{right}", right in rights)
    link.save()
    return link


@transaction.atomic
def revoke_delegation(owner: User, link_id: int) -> None:
    link = (
        AccountLink.objects.filter(pk=link_id, role=AccountLink.Role.DELEGATE)
        .filter(account__links__user=owner, account__links__role=AccountLink.Role.OWNER)
        .first()
    )
    if link is None:
        raise AccessError(_("No such access to revoke."))
    link.delete()


def linked_accounts(user: User, right: str = "view"):
    """Accounts the user may act on with `right`: the one access path for consumer data."""
    if not user.is_authenticated:
        return PersonalAccount.objects.none()
    links = AccountLink.objects.filter(user=user).with_right(right)
    return PersonalAccount.objects.filter(pk__in=links.values("account_id"), organization__is_active=True)


def get_account_for_user(user: User, account_id, right: str = "view") -> PersonalAccount | None:
    """The account if the user may act on it with `right`, else None (callers answer 404)."""
    try:
        account_id = int(account_id)
    except (TypeError, ValueError):
        return None
    return linked_accounts(user, right).with_address().filter(pk=account_id).first()


def candidates_for_identifier(text: str):
    """Users a login identifier may mean: by email, by phone, or the owners of accounts with that number."""
    ident = rules.classify_identifier(text)
    if ident is None:
        return User.objects.none()
    if ident.kind == "account":
        return User.objects.filter(
            account_links__role=AccountLink.Role.OWNER,
            account_links__account__number=ident.value,
            account_links__account__is_open=True,
        ).distinct()
    return User.objects.filter(**{ident.kind: ident.value})


def candidates_for_premises(premises_id: int):
    return User.objects.filter(
        account_links__role=AccountLink.Role.OWNER,
        account_links__account__premises_id=premises_id,
        account_links__account__is_open=True,
    ).distinct()


@transaction.atomic
def set_user_active(user: User, active: bool) -> None:
    """Block or unblock a user; blocking also revokes their API tokens."""
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def issue_api_token(user: User, name: str = "") -> str:
    """Create a token and return its key; only the hash is stored, so the key is shown once."""
    key = rules.new_token_key()
    ApiToken.objects.create(user=user, key_hash=rules.hash_token(key), prefix=key[:8], name=name[:100])
    return key


def revoke_api_token(key: str) -> bool:
    return bool(
        ApiToken.objects.filter(key_hash=rules.hash_token(key), revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )




# --- Password reset ---------------------------------------------------------------------------------


def request_password_reset(contact: str):
    """Send a password reset code to the active user with this email or phone.

    Returns the ConfirmationCode, or None when no active user has this contact. Callers answer the
    same in both cases, so that contacts cannot be probed. Raises codes.CodeThrottled when asked
    again too soon.
    """
    user = find_user_by_contact(contact)
    if user is None or not user.is_active:
        return None
    ident = rules.classify_identifier(contact)
    channel = ConfirmationCode.Channel.SMS if ident.kind == "phone" else ConfirmationCode.Channel.EMAIL
    recipient = user.phone if ident.kind == "phone" else user.email
    return issue_code(ConfirmationCode.Purpose.PASSWORD_RESET, channel, recipient, payload={"user_id": user.pk})


def password_reset_user(code_id) -> User | None:
    """The user a password reset code was issued for (to validate the new password against), if any."""
    if not code_id:
        return None
    code = ConfirmationCode.objects.filter(pk=code_id, purpose=ConfirmationCode.Purpose.PASSWORD_RESET).first()
    if code is None:
        return None
    return User.objects.filter(pk=code.payload.get("user_id"), is_active=True).first()


def reset_password(code_id, entered_code: str, new_password: str) -> User:
    """Check the reset code and set the new password (validated by the caller). Raises codes.CodeError.

    The login lockout of the user's email and phone is lifted: the code proved who they are.
    """
    code = check_code(code_id, entered_code, ConfirmationCode.Purpose.PASSWORD_RESET)
    user = User.objects.filter(pk=code.payload.get("user_id"), is_active=True).first()
    if user is None:
        raise CodeError(_("The code is wrong. Request a new one."))
    user.set_password(new_password)
    user.save(update_fields=["password"])
    for identifier in (user.email, user.phone):
        if identifier:
            reset_lockout(username=lockout_username(None, {"username": identifier}))
    return user


# --- Self-registration (seed 000) -----------------------------------------------------------------


def start_registration(*, number: str, receipt_code: str, phone: str, full_name: str = "",
                       email: str = "") -> ConfirmationCode:
    """Step 1: the account is proved by its receipt code; an SMS code goes to `phone` (E.164).

    Raises AccessError (one message for a wrong number or code) or codes.CodeThrottled.
    """
    account = find_account_by_receipt(number, receipt_code)
    payload = {"account_id": account.pk, "full_name": (full_name or "").strip(), "email": (email or "").strip()}
    return issue_code(ConfirmationCode.Purpose.REGISTRATION, ConfirmationCode.Channel.SMS, phone, payload=payload)


def resend_code(code_id) -> ConfirmationCode:
    """A new code for the same purpose, recipient and payload as `code_id` (which it replaces).

    Raises codes.CodeThrottled when asked too soon, CodeError when there is no such code.
    """
    old = ConfirmationCode.objects.filter(pk=code_id).first() if code_id else None
    if old is None:
        raise CodeError(_("The code is wrong. Request a new one."))
    return issue_code(old.purpose, old.channel, old.recipient, payload=old.payload)


def finish_registration(code_id, password: str) -> tuple[User, bool]:
    """Step 3: create the consumer (or link the account to the existing holder of the phone) after the
    SMS code `code_id` was accepted by check_code. The confirmation is valid for the code's lifetime.

    Raises CodeError if the code was not confirmed or too long ago, AccessError if the account closed.
    """
    code = ConfirmationCode.objects.filter(
        pk=code_id, purpose=ConfirmationCode.Purpose.REGISTRATION, used_at__isnull=False
    ).first() if code_id else None
    ttl = timedelta(minutes=settings.KABINET_CODE_TTL_MINUTES)
    if code is None or code.used_at + ttl < timezone.now():
        raise CodeError(_("The confirmation has expired. Start the registration again."))
    account = (
        PersonalAccount.objects.filter(pk=code.payload.get("account_id"), is_open=True, organization__is_active=True)
        .first()
    )
    if account is None:
        raise AccessError(_not_found_message())
    return register_consumer(account=account, phone=code.recipient, password=password,
                             full_name=code.payload.get("full_name", ""), email=code.payload.get("email", ""))


def registration_phone_holder(code_id) -> User | None:
    """The existing user who already has the phone of registration code `code_id`, if any."""
    code = ConfirmationCode.objects.filter(pk=code_id, purpose=ConfirmationCode.Purpose.REGISTRATION).first() \
        if code_id else None
    if code is None:
        return None
    return User.objects.filter(phone=code.recipient).first()
