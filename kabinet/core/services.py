"""Actions that write organisations and staff memberships.

Each is one transaction, checks who may do it, and records `acting_user` in the change history
(django-simple-history; inside a request HistoryRequestMiddleware records the same person).
The panel, the API and management commands call the same functions.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from kabinet.core import rules
from kabinet.core.models import Membership, Organization
from kabinet.core.roles import ALL_ROLES, Role
from kabinet.core.tenancy import is_operator, staff_roles


class ServiceError(Exception):
    """A refused action; the message is shown to the person as is."""


# Fields staff with the `organization` role may edit; the structure (parent, kind, active) is the
# operator's.
REQUISITE_FIELDS = ("inn", "kpp", "ogrn", "bank_name", "bank_bic", "bank_account", "bank_corr_account")
CONTACT_FIELDS = ("address", "phone", "email", "website", "office_hours")
PUBLIC_FIELDS = ("name", "short_name", "public_info")
EDITABLE_FIELDS = PUBLIC_FIELDS + REQUISITE_FIELDS + CONTACT_FIELDS


def clean_requisites(values: dict) -> tuple[dict, dict]:
    """Validate and normalise the requisites in `values`; returns (cleaned, errors by field)."""
    cleaned, errors = {}, {}
    bic = values.get("bank_bic", "")
    checks = {
        "inn": rules.validate_inn,
        "kpp": rules.validate_kpp,
        "ogrn": rules.validate_ogrn,
        "bank_bic": rules.validate_bic,
        "bank_account": lambda v: rules.validate_settlement_account(v, bic),
        "bank_corr_account": lambda v: rules.validate_correspondent_account(v, bic),
    }
    for field, check in checks.items():
        if field not in values:
            continue
        try:
            cleaned[field] = check(values[field])
        except rules.RequisiteError as exc:
            errors[field] = str(exc)
    return cleaned, errors


def _require_role(user, organization: Organization, role: str) -> None:
    if role not in staff_roles(user, organization):
        raise ServiceError(_("You do not have the right to do this in this organisation."))


@transaction.atomic
def create_organization(*, name: str, kind: str, parent: Organization | None = None, short_name: str = "",
                        acting_user) -> Organization:
    """The operator creates an organisation, or a sub-organisation under `parent`."""
    if not is_operator(acting_user):
        raise ServiceError(_("Only the service operator can create organisations."))
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Enter the organisation's name."))
    if kind not in Organization.Kind.values:
        raise ServiceError(_("Choose the kind of organisation."))
    organization = Organization(name=name, short_name=(short_name or "").strip(), kind=kind, parent=parent)
    organization._history_user = acting_user
    organization.save()
    return organization


@transaction.atomic
def update_organization(organization: Organization, changes: dict, *, acting_user) -> list[str]:
    """Edit the name, requisites, contacts and public information; returns the fields changed.

    Raises ServiceError for a field outside EDITABLE_FIELDS and ValueError-like RequisiteError
    messages collected into one ServiceError for malformed requisites.
    """
    _require_role(acting_user, organization, Role.ORGANIZATION)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ServiceError(f"Not editable: {', '.join(sorted(unknown))}")
    cleaned, errors = clean_requisites(changes)
    if errors:
        raise ServiceError(" ".join(errors.values()))
    values = {**changes, **cleaned}
    if "name" in values and not str(values["name"]).strip():
        raise ServiceError(_("Enter the organisation's name."))
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    changed = []
    for field, value in values.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(organization, field) != value:
            setattr(organization, field, value)
            changed.append(field)
    if changed:
        organization._history_user = acting_user
        organization.save()
    return changed


def grantable_roles(acting_user, organization: Organization) -> set[str]:
    """Roles `acting_user` may grant or take away in `organization`: those they hold there."""
    if is_operator(acting_user):
        return set(ALL_ROLES)
    held = staff_roles(acting_user, organization)
    return held if Role.STAFF in held else set()


def _merge_roles(current: list[str], requested, grantable: set[str]) -> list[str]:
    """Requested roles within what may be granted; roles the actor cannot grant stay as they were."""
    requested = set(requested) & set(ALL_ROLES)
    kept = set(current) - grantable
    return [r for r in ALL_ROLES if r in (requested & grantable) | kept]


def _check_requested(requested, grantable: set[str]) -> None:
    refused = set(requested) - grantable
    if refused:
        labels = ", ".join(str(Role(r).label) for r in ALL_ROLES if r in refused)
        raise ServiceError(_("You cannot grant roles you do not hold yourself: %(roles)s.") % {"roles": labels})


@transaction.atomic
def add_staff_member(organization: Organization, user, roles, *, acting_user, position: str = "") -> Membership:
    """Make `user` a staff member of `organization` with `roles` (a blocked membership is restored)."""
    grantable = grantable_roles(acting_user, organization)
    if not grantable:
        raise ServiceError(_("You do not have the right to do this in this organisation."))
    _check_requested(roles, grantable)
    if not user.is_active:
        raise ServiceError(_("This user is blocked. Unblock them before adding them as staff."))
    membership = Membership.objects.select_for_update().filter(user=user, organization=organization).first()
    if membership is not None and membership.is_active:
        raise ServiceError(_("This person is already a staff member of this organisation."))
    if membership is None:
        membership = Membership(user=user, organization=organization)
    membership.roles = _merge_roles(membership.roles or [], roles, grantable)
    membership.position = (position or "").strip()
    membership.is_active = True
    membership._history_user = acting_user
    membership.save()
    return membership


@transaction.atomic
def set_member_roles(membership: Membership, roles, *, acting_user, position: str | None = None) -> Membership:
    """Change a member's roles; only roles the actor holds can be granted or taken away."""
    grantable = grantable_roles(acting_user, membership.organization)
    if not grantable:
        raise ServiceError(_("You do not have the right to do this in this organisation."))
    _check_requested(set(roles) - set(membership.roles), grantable)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    new_roles = _merge_roles(membership.roles, roles, grantable)
    changed = new_roles != membership.roles
    membership.roles = new_roles
    if position is not None and position.strip() != membership.position:
        membership.position = position.strip()
        changed = True
    if changed:
        membership._history_user = acting_user
        membership.save()
    return membership


@transaction.atomic
def set_membership_active(membership: Membership, active: bool, *, acting_user) -> Membership:
    """Block (deactivate) or restore a staff membership; nobody blocks themselves."""
    if not grantable_roles(acting_user, membership.organization):
        raise ServiceError(_("You do not have the right to do this in this organisation."))
    if not active and membership.user_id == acting_user.pk:
        raise ServiceError(_("You cannot block yourself."))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.is_active != active:
        membership.is_active = active
        membership._history_user = acting_user
        membership.save()
    return membership
