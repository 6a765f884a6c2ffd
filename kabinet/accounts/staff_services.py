"""Actions organisation staff take on consumer users: create, link accounts, block, reset passwords.

Callers pass objects already scoped to the staff member's organisations (the panel looks them up
through kabinet.core.tenancy). Each action is one transaction; AccountLink changes are recorded by
django-simple-history; actions on User (which keeps no history table) are logged to the
`kabinet.audit` logger with the acting user.

Errors are `StaffActionError` with a stable `code` (the panel words them for the person) and an
English message for logs and the API.
"""

import logging
import secrets

from django.db import IntegrityError, transaction

from kabinet.accounts import rules, services
from kabinet.accounts.models import AccountLink, User
from kabinet.core.models import Membership
from kabinet.core.tenancy import is_operator
from kabinet.registry.models import PersonalAccount

audit = logging.getLogger("kabinet.audit")

# No 0/O, 1/l/I: a password read out over the phone or copied from a screen must survive it.
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class StaffActionError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def generate_password(length: int = 12) -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


def consumers_of(organizations):
    """Users linked (as owner or delegate) to accounts of `organizations` (a queryset or list)."""
    linked = AccountLink.objects.filter(account__organization__in=organizations).values("user_id")
    return User.objects.filter(pk__in=linked)


def normalize_contacts(email: str, phone: str) -> tuple[str | None, str | None]:
    """Lower-cased email and E.164 phone; StaffActionError if the phone is not a phone number."""
    email = (email or "").strip().lower() or None
    phone_text = (phone or "").strip()
    phone_value = None
    if phone_text:
        phone_value = rules.normalize_phone(phone_text)
        if phone_value is None:
            raise StaffActionError("invalid_phone", "Not a valid phone number.")
    if not email and not phone_value:
        raise StaffActionError("no_contact", "An email or a phone is required.")
    return email, phone_value


def _ensure_contacts_free(email, phone, *, exclude_pk=None) -> None:
    users = User.objects.exclude(pk=exclude_pk) if exclude_pk else User.objects.all()
    if email and users.filter(email=email).exists():
        raise StaffActionError("email_taken", "A user with this email already exists.")
    if phone and users.filter(phone=phone).exists():
        raise StaffActionError("phone_taken", "A user with this phone already exists.")


def _ensure_consumer(user: User, acting_user) -> None:
    """Staff manage consumers; staff members and the operator are managed by the operator only."""
    if is_operator(acting_user):
        return
    if user.is_superuser or Membership.objects.filter(user=user, is_active=True).exists():
        raise StaffActionError("is_staff", "This user is a staff member; only the operator may change them.")


@transaction.atomic
def create_user(*, full_name: str, email: str = "", phone: str = "", password: str | None = None,
                acting_user) -> tuple[User, str | None]:
    """A new user with the given contacts; returns (user, the generated password or None)."""
    email, phone = normalize_contacts(email, phone)
    _ensure_contacts_free(email, phone)
    generated = None
    if not password:
        password = generated = generate_password()
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, phone=phone,
                                            full_name=(full_name or "").strip())
    except IntegrityError as exc:  # a concurrent registration took the contact
        raise StaffActionError("email_taken", "A user with this email or phone already exists.") from exc
    audit.info("user %s created by %s", user.pk, acting_user.pk)
    return user, generated


@transaction.atomic
def create_consumer(*, account: PersonalAccount, full_name: str, email: str = "", phone: str = "",
                    password: str | None = None, acting_user) -> tuple[User, str | None]:
    """Create a consumer and make them the owner of `account` (so they belong to its organisation)."""
    user, generated = create_user(full_name=full_name, email=email, phone=phone, password=password,
                                  acting_user=acting_user)
    link = AccountLink(user=user, account=account, role=AccountLink.Role.OWNER, granted_by=acting_user)
    link._history_user = acting_user
    link.save()
    return user, generated


@transaction.atomic
def attach_account(user: User, account: PersonalAccount, *, acting_user) -> AccountLink:
    """Make `user` an owner of `account` (a delegate becomes an owner)."""
    link = AccountLink.objects.select_for_update().filter(user=user, account=account).first()
    if link is not None and link.is_owner:
        raise StaffActionError("already_linked", "The account is already linked to this user.")
    if link is None:
        link = AccountLink(user=user, account=account, granted_by=acting_user)
    link.role = AccountLink.Role.OWNER
    link._history_user = acting_user
    link.save()
    return link


@transaction.atomic
def detach_account(user: User, account: PersonalAccount, *, acting_user) -> None:
    link = AccountLink.objects.select_for_update().filter(user=user, account=account).first()
    if link is None:
        raise StaffActionError("not_linked", "The account is not linked to this user.")
    link._history_user = acting_user
    link.delete()


@transaction.atomic
def set_consumer_active(user: User, active: bool, *, acting_user) -> None:
    """Block or unblock a consumer (blocking also revokes their API tokens)."""
    _ensure_consumer(user, acting_user)
    if user.pk == acting_user.pk:
        raise StaffActionError("self", "You cannot block yourself.")
    services.set_user_active(user, active)
    audit.info("user %s %s by %s", user.pk, "unblocked" if active else "blocked", acting_user.pk)


@transaction.atomic
def reset_consumer_password(user: User, password: str | None = None, *, acting_user) -> str:
    """Set a new password (a generated one if none is given) and return it, to be shown once."""
    _ensure_consumer(user, acting_user)
    password = password or generate_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.info("user %s password reset by %s", user.pk, acting_user.pk)
    return password
