"""Reads for the API: the accounts, meters and readings a user may see, through the domain's access
paths only.

Consumers see the accounts they are linked to (`accounts.services.linked_accounts`) and their meters
(the metering consumer selectors); staff see the accounts of their organisations and
sub-organisations (`core.tenancy.staff_organizations`) and, with the "readings" role, their meters
(`metering.selectors.staff_meters`); a user who is both sees both sets. Anything else is a 404,
exactly like a missing object.
"""

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q

from kabinet.accounts.selectors import own_link, with_own_link
from kabinet.accounts.services import linked_accounts
from kabinet.billing.selectors import with_balance
from kabinet.core.models import Organization
from kabinet.core.roles import TURNOVER_ROLES, Role
from kabinet.core.tenancy import is_operator, staff_memberships, staff_organizations
from kabinet.metering import selectors as metering
from kabinet.metering.models import Meter, Reading
from kabinet.registry.models import Building, PersonalAccount


def visible_accounts(user):
    """Accounts `user` may see, with address, organisation, latest balance and the user's own link
    (`link_role`, `link_can_*`), all in one SQL query whatever the number of accounts."""
    if not user.is_authenticated:
        return PersonalAccount.objects.none()
    scope = Q(pk__in=linked_accounts(user).values("pk")) | Q(organization__in=staff_organizations(user))
    accounts = (
        PersonalAccount.objects.for_lists()
        .filter(scope)
        .order_by("organization__path", "number", "pk")
    )
    return with_balance(with_own_link(accounts, user))


def account_rights(account) -> list[str]:
    """The rights of the requesting user on an account from `visible_accounts`: those of their link,
    or just "view" when they see it as staff."""
    link = own_link(account)
    return link.rights if link else ["view"]


def staff_organizations_with_roles(user):
    """The user's own staff memberships (not inherited ones), with their organisations."""
    return staff_memberships(user).select_related("organization").order_by("organization__path")


def linked_accounts_count(user) -> int:
    return linked_accounts(user).count()



# --- Meters and readings ------------------------------------------------------------------------------
# Consumers through the metering consumer selectors, staff through `staff_meters` (the "readings"
# role of their organisations, sub-organisations included); a user who is both sees both sets.


def _meters(user, consumer_scope):
    staff = metering.staff_meters(user)  # one query for the memberships, then a subquery
    scope = Q(pk__in=consumer_scope.values("pk")) | Q(pk__in=staff.values("pk"))
    submit = Q(pk__in=metering.submittable_meters(user).values("pk")) | Q(pk__in=staff.values("pk"))
    return (
        Meter.objects.filter(scope)
        .select_related("service", "account__premises__building", "building")
        .annotate(can_submit=ExpressionWrapper(
            submit & Q(status=Meter.Status.ACTIVE, is_registered=True), output_field=BooleanField()
        ))
        .order_by("account__number", "service__name", "serial_number", "pk")
    )


def visible_meters(user):
    """The meters list: the consumer's meters (`consumer_meters`: individual, registered, not
    retired) and, for staff, their organisations' meters, each with `can_submit` (the user may
    submit readings for it: the submission window is checked on submit). One SQL query for the rows."""
    if not user.is_authenticated:
        return Meter.objects.none()
    return _meters(user, metering.consumer_meters(user))


def visible_meter(user, meter_id) -> Meter | None:
    """One meter for its page: those of the list, and also a consumer's replaced or retired meters
    (`consumer_history_meters`), so an old meter's page stays readable; None → 404."""
    try:
        meter_id = int(meter_id)
    except (TypeError, ValueError):
        return None
    if not user.is_authenticated:
        return None
    return _meters(user, metering.consumer_history_meters(user)).filter(pk=meter_id).first()


def visible_readings(user):
    """Readings of the meters whose history the user may open: a consumer's registered meters
    (`consumer_history_meters`) and, for staff, their organisations' meters. Newest first."""
    if not user.is_authenticated:
        return Reading.objects.none()
    scope = (Q(meter__in=metering.consumer_history_meters(user).values("pk"))
             | Q(meter__in=metering.staff_meters(user).values("pk")))
    return (
        Reading.objects.filter(scope)
        .select_related("meter__account")
        .order_by("-taken_on", "-created_at", "-pk")
    )


def submission_source(user, meter_ids) -> str:
    """The source a submission of these meters is stored with: "app" when the user may submit for
    every one of them as a consumer (their own flat, even if they are staff too); else "staff" when
    the user has the "readings" role somewhere (the service then checks the staff scope); else
    "app", and the consumer scope reports the foreign meters as missing."""
    ids = {int(pk) for pk in meter_ids}
    if ids and metering.submittable_meters(user).filter(pk__in=ids).count() == len(ids):
        return Reading.Source.APP
    if can_review_readings(user):
        return Reading.Source.STAFF
    return Reading.Source.APP


def can_review_readings(user) -> bool:
    """Staff with the "readings" role on some organisation (or the operator)."""
    return staff_organizations(user, Role.READINGS).exists()


def reviewable_reading(user, reading_id) -> Reading | None:
    """A reading of the user's organisations (staff, "readings" role); None → 404."""
    return metering.staff_readings(user).filter(pk=reading_id).first()


# --- Billing: the account statement and the turnover sheet (issue 4) ----------------------------------


def visible_account(user, account_id) -> PersonalAccount | None:
    """One account exactly as `GET /accounts/{id}/` finds it (`visible_accounts`); None → 404."""
    return visible_accounts(user).filter(pk=account_id).first()


def turnover_organizations(user):
    """Organisations whose turnover sheet `user` may read: where they hold one of the panel's turnover
    roles (sub-organisations included), every one for the operator; None when the user holds neither
    role anywhere (a 403). One query for the memberships; the result is a lazy queryset."""
    if is_operator(user):
        return Organization.objects.all()
    roots = [m.organization for m in staff_memberships(user).select_related("organization")
             if any(role in m.roles for role in TURNOVER_ROLES)]
    if not roots:
        return None
    return Organization.objects.subtree_of(roots)


def turnover_building(organizations, building_id) -> Building | None:
    """The building if `organizations` have accounts in it; None → 404, like a missing one."""
    in_scope = PersonalAccount.objects.filter(organization__in=organizations, premises__building=OuterRef("pk"))
    return Building.objects.filter(Exists(in_scope), pk=building_id).first()
