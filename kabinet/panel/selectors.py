"""Reads for the panel pages, each a fixed number of queries whatever the amount of data."""

from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce

from kabinet.accounts.models import AccountLink, User
from kabinet.accounts.rules import normalize_phone
from kabinet.accounts.staff_services import consumers_of
from kabinet.billing.models import Balance
from kabinet.core.models import Membership
from kabinet.registry.models import PersonalAccount

ZERO = Decimal("0.00")


def summary(organizations) -> dict:
    """Counts and money for the summary page over a queryset of organisations (four queries)."""
    accounts = PersonalAccount.objects.filter(organization__in=organizations)
    counts = accounts.aggregate(total=Count("pk"), open=Count("pk", filter=Q(is_open=True)))
    consumers = consumers_of(organizations).count()
    staff = (
        Membership.objects.filter(organization__in=organizations, is_active=True, user__is_active=True)
        .values("user_id").distinct().count()
    )
    money = DecimalField(max_digits=16, decimal_places=2)
    # The latest period of each account: a balance with no later one for the same account.
    later = Balance.objects.filter(account_id=OuterRef("account_id"), period__gt=OuterRef("period"))
    latest = Balance.objects.filter(account__organization__in=organizations).exclude(Exists(later))
    totals = latest.aggregate(
        debt=Coalesce(Sum("closing", filter=Q(closing__gt=0)), Value(ZERO), output_field=money),
        overpayment=Coalesce(Sum("closing", filter=Q(closing__lt=0)), Value(ZERO), output_field=money),
        debtors=Count("pk", filter=Q(closing__gt=0)),
    )
    return {
        "accounts": counts["total"],
        "open_accounts": counts["open"],
        "consumers": consumers,
        "staff": staff,
        "debt": totals["debt"],
        "overpayment": -totals["overpayment"],
        "debtors": totals["debtors"],
    }


def search_consumers(organizations, query: str = ""):
    """Users linked to accounts of `organizations`, matching a name, email, phone or account number,
    each with `scoped_links` (their links to accounts of those organisations) prefetched."""
    users = consumers_of(organizations)
    query = (query or "").strip()
    if query:
        condition = Q(full_name__icontains=query) | Q(email__icontains=query) | Q(phone__icontains=query)
        phone = normalize_phone(query)
        if phone:
            condition |= Q(phone=phone)
        by_number = AccountLink.objects.filter(
            account__organization__in=organizations, account__number__icontains=query.replace(" ", "")
        ).values("user_id")
        condition |= Q(pk__in=by_number)
        users = users.filter(condition)
    links = AccountLink.objects.filter(account__organization__in=organizations).select_related("account")
    return users.order_by("full_name", "pk").prefetch_related(
        Prefetch("account_links", queryset=links.order_by("account__number"), to_attr="scoped_links")
    )


def user_links(user: User, organizations):
    """The user's links to accounts of `organizations`, with address and organisation."""
    return (
        AccountLink.objects.filter(user=user, account__organization__in=organizations)
        .select_related("account__premises__building", "account__organization")
        .order_by("account__number")
    )


def search_members(organizations, query: str = ""):
    members = Membership.objects.filter(organization__in=organizations).select_related("user", "organization")
    query = (query or "").strip()
    if query:
        members = members.filter(
            Q(user__full_name__icontains=query) | Q(user__email__icontains=query)
            | Q(user__phone__icontains=query) | Q(position__icontains=query)
        )
    return members.order_by("-is_active", "user__full_name", "user__email", "organization__path")


# --- Meters and readings ------------------------------------------------------------------------------------


def search_meters(organizations, query: str = "", *, service=None, status=None, kind=None, building=None):
    """Meters of `organizations` matching a serial number, an account number or an address, with
    everything a list row shows (one query for a page)."""
    from kabinet.metering.models import Meter

    meters = Meter.objects.filter(organization__in=organizations)
    query = (query or "").strip()
    if query:
        condition = Q(serial_number__icontains=query) | Q(account__number__icontains=query.replace(" ", ""))
        for word in query.replace(",", " ").split():
            condition |= (Q(account__premises__building__street__icontains=word)
                          | Q(building__street__icontains=word)
                          | Q(account__premises__building__settlement__icontains=word)
                          | Q(building__settlement__icontains=word))
        meters = meters.filter(condition)
    if service is not None:
        meters = meters.filter(service=service)
    if status:
        meters = meters.filter(status=status)
    if kind == "individual":
        meters = meters.filter(account__isnull=False)
    elif kind == "collective":
        meters = meters.filter(building__isnull=False)
    if building is not None:
        meters = meters.filter(Q(account__premises__building=building) | Q(building=building))
    return meters.select_related("service", "organization", "account__premises__building", "building") \
        .order_by("serial_number", "pk")


def buildings_of(organizations):
    """Buildings where `organizations` have accounts or house meters (for filters and house meters)."""
    from kabinet.metering.models import Meter
    from kabinet.registry.models import Building

    with_accounts = PersonalAccount.objects.filter(organization__in=organizations).values("premises__building_id")
    with_meters = Meter.objects.filter(organization__in=organizations, building__isnull=False).values("building_id")
    return Building.objects.filter(Q(pk__in=with_accounts) | Q(pk__in=with_meters)).order_by(
        "settlement", "street", "house")


def services_of(organizations):
    """Services of `organizations` and the services their meters are on."""
    from kabinet.metering.models import Meter
    from kabinet.registry.models import Service

    metered = Meter.objects.filter(organization__in=organizations).values("service_id")
    return Service.objects.filter(Q(organization__in=organizations) | Q(pk__in=metered)) \
        .select_related("organization").order_by("name", "organization__path")


def readings_awaiting_review(organizations) -> int:
    from kabinet.metering.models import Reading

    return Reading.objects.filter(meter__organization__in=organizations, status=Reading.Status.NEW).count()
