"""Reads of communication, tenant-scoped: appeals for consumers and for the staff inbox,
attachments, announcements visible to a user with unread counts (constant queries)."""

import datetime as dt

from django.db.models import BooleanField, Count, Exists, F, OuterRef, Prefetch, Q, Value
from django.utils import timezone

from kabinet.accounts.services import linked_accounts
from kabinet.comms import rules
from kabinet.comms.models import (
    Announcement,
    AnnouncementRead,
    AnnouncementStreet,
    Appeal,
    AppealMessage,
    Attachment,
)
from kabinet.core.roles import Role
from kabinet.core.tenancy import staff_organizations

# --- Appeals: consumer ------------------------------------------------------------------------------


def consumer_appeals(user):
    """Appeals about the accounts the user may write appeals on (owners, delegates with the right),
    annotated `has_unread` (a staff reply the consumer has not opened yet)."""
    return (
        Appeal.objects.filter(account__in=linked_accounts(user, "appeals"))
        .annotate(has_unread=Q(staff_replied_at__isnull=False)
                  & (Q(consumer_seen_at__isnull=True) | Q(consumer_seen_at__lt=F("staff_replied_at"))))
    )


def consumer_appeal_list(user, account_id=None):
    """For the consumer's list page: with category and account, newest first."""
    appeals = consumer_appeals(user).select_related("category", "account")
    if account_id is not None:
        appeals = appeals.filter(account_id=account_id)
    return appeals.order_by("-created_at", "-pk")


def unread_appeal_count(user) -> int:
    return consumer_appeals(user).filter(has_unread=True).count()


def get_appeal_for_consumer(user, appeal_id) -> Appeal | None:
    """The appeal with its thread as the consumer sees it (no internal notes), or None."""
    try:
        appeal_id = int(appeal_id)
    except (TypeError, ValueError):
        return None
    visible = AppealMessage.objects.filter(is_internal=False).select_related("author").prefetch_related(
        "attachments")
    return (consumer_appeals(user).select_related("category", "account", "assignee")
            .prefetch_related(Prefetch("messages", queryset=visible, to_attr="thread"))
            .filter(pk=appeal_id).first())


# --- Appeals: staff ---------------------------------------------------------------------------------


def staff_appeals(user, *, status=None, category=None, assignee=None, overdue: bool = False, building=None,
                  organization=None, today: dt.date | None = None):
    """The staff inbox: appeals of the organisations the user serves with the appeals role.

    Filters: `status` (one or a list), `category` (id), `assignee` (a user id, "me" or "none"),
    `overdue` (open and past the due date), `building` (id), `organization` (id, within scope).
    Annotated `overdue`.
    """
    today = today or timezone.localdate()
    appeals = Appeal.objects.filter(organization__in=staff_organizations(user, Role.APPEALS))
    if status:
        appeals = appeals.filter(status__in=[status] if isinstance(status, str) else list(status))
    if category:
        appeals = appeals.filter(category_id=category)
    if assignee == "me":
        appeals = appeals.filter(assignee=user)
    elif assignee == "none":
        appeals = appeals.filter(assignee__isnull=True)
    elif assignee:
        appeals = appeals.filter(assignee_id=assignee)
    if building:
        appeals = appeals.filter(account__premises__building_id=building)
    if organization:
        appeals = appeals.filter(organization_id=organization)
    overdue_q = Q(status__in=rules.OPEN_STATUSES, due_date__lt=today)
    if overdue:
        appeals = appeals.filter(overdue_q)
    return appeals.annotate(overdue=overdue_q)


def staff_appeal_list(user, **filters):
    """The inbox page: with account, address, category, assignee; overdue first, then oldest due."""
    return (staff_appeals(user, **filters)
            .select_related("category", "assignee", "author", "account__premises__building", "organization")
            .order_by("-overdue", F("due_date").asc(nulls_last=True), "pk"))


def staff_appeal_counts(user, today: dt.date | None = None) -> dict:
    """Counts for the panel summary, one query: per status, overdue, unassigned open ones."""
    today = today or timezone.localdate()
    open_q = Q(status__in=rules.OPEN_STATUSES)
    counts = Appeal.objects.filter(organization__in=staff_organizations(user, Role.APPEALS)).aggregate(
        total=Count("pk"),
        **{status: Count("pk", filter=Q(status=status)) for status in Appeal.Status.values},
        overdue=Count("pk", filter=open_q & Q(due_date__lt=today)),
        unassigned=Count("pk", filter=open_q & Q(assignee__isnull=True)),
        mine=Count("pk", filter=open_q & Q(assignee_id=user.pk)),
    )
    return counts


def get_appeal_for_staff(user, appeal_id) -> Appeal | None:
    """The appeal with its whole thread (internal notes too), or None outside the user's scope."""
    try:
        appeal_id = int(appeal_id)
    except (TypeError, ValueError):
        return None
    thread = AppealMessage.objects.select_related("author").prefetch_related("attachments")
    return (staff_appeals(user).select_related("category", "account__premises__building", "assignee", "author")
            .prefetch_related(Prefetch("messages", queryset=thread, to_attr="thread"))
            .filter(pk=appeal_id).first())


def get_attachment_for_user(user, attachment_id) -> Attachment | None:
    """The attachment if the user may read it: a consumer of the appeal's account (never of an
    internal note), or staff of its organisation with the appeals role. None otherwise, exactly as
    for a missing one. The caller streams `attachment.file` with `content_type` as a download."""
    try:
        attachment_id = int(attachment_id)
    except (TypeError, ValueError):
        return None
    if not user.is_authenticated:
        return None
    as_consumer = Q(message__is_internal=False, message__appeal__in=consumer_appeals(user).values("pk"))
    as_staff = Q(message__appeal__organization__in=staff_organizations(user, Role.APPEALS))
    return Attachment.objects.filter(as_consumer | as_staff, pk=attachment_id).first()


# --- Announcements ----------------------------------------------------------------------------------


def _ancestor_ids(path: str) -> list[int]:
    return [int(pk) for pk in path.strip("/").split("/") if pk]


def _audience_q(accounts) -> Q:
    """Announcements whose audience includes any of these accounts (a list with organisation path,
    building, settlement and street loaded)."""
    through_buildings = Announcement.buildings.through.objects
    through_accounts = Announcement.accounts.through.objects
    query = Q(pk__in=[])
    for account in accounts:
        org_path = account.organization.path
        building = account.premises.building
        ancestors = _ancestor_ids(org_path)
        query |= Q(audience=Announcement.Audience.ORGANIZATION, organization_id=account.organization_id)
        query |= Q(audience=Announcement.Audience.ORGANIZATION_TREE, organization_id__in=ancestors)
        query |= Q(Exists(through_buildings.filter(announcement_id=OuterRef("pk"), building_id=building.pk)),
                   audience=Announcement.Audience.BUILDINGS, organization_id__in=ancestors)
        query |= Q(Exists(AnnouncementStreet.objects.filter(announcement_id=OuterRef("pk"),
                                                            settlement=building.settlement,
                                                            street=building.street)),
                   audience=Announcement.Audience.STREETS, organization_id__in=ancestors)
        query |= Q(Exists(through_accounts.filter(announcement_id=OuterRef("pk"), personalaccount_id=account.pk)),
                   audience=Announcement.Audience.ACCOUNTS, organization_id__in=ancestors)
    return query


def _user_accounts(user) -> list:
    return list(linked_accounts(user).select_related("organization", "premises__building")
                .only("pk", "organization_id", "organization__path", "premises__building__settlement",
                      "premises__building__street", "premises__building_id", "premises_id"))


def visible_announcements(user, now: dt.datetime | None = None, *, accounts=None):
    """Live announcements for the user's accounts, annotated `is_read`; pinned first, then newest.
    Two queries whatever the number of accounts and announcements (the accounts, then the list); one
    when the caller already holds the user's accounts (with organisation and building loaded)."""
    accounts = _user_accounts(user) if accounts is None else accounts
    if not accounts:
        # Empty, but with the same annotation, so callers can filter on `is_read` either way.
        return Announcement.objects.none().annotate(is_read=Value(False, output_field=BooleanField()))
    reads = AnnouncementRead.objects.filter(announcement_id=OuterRef("pk"), user_id=user.pk)
    return (Announcement.objects.live(now).filter(_audience_q(accounts))
            .select_related("organization")
            .annotate(is_read=Exists(reads))
            .order_by("-pinned", "-publish_at", "-pk"))


def unread_announcement_count(user, now: dt.datetime | None = None) -> int:
    """The dashboard badge (seed 003: «Объявления 384»): two queries."""
    return visible_announcements(user, now).filter(is_read=False).count()


def get_announcement_for_user(user, announcement_id, now=None) -> Announcement | None:
    try:
        announcement_id = int(announcement_id)
    except (TypeError, ValueError):
        return None
    return visible_announcements(user, now).filter(pk=announcement_id).first()


def public_announcements(organization, now: dt.datetime | None = None):
    """News on the organisation's public page: live announcements marked public."""
    return Announcement.objects.live(now).filter(organization=organization, is_public=True).order_by(
        "-pinned", "-publish_at", "-pk")


def staff_announcements(user):
    """Announcements of the organisations the user serves with the announcements role."""
    return Announcement.objects.filter(
        organization__in=staff_organizations(user, Role.ANNOUNCEMENTS)
    ).annotate(read_count=Count("reads"))
