"""Announcement actions: create (draft), publish (now or scheduled), edit (versioned once
published), withdraw, mark read; audience resolution to accounts and users, set-wise.

Staff act through `staff_organizations(user, Role.ANNOUNCEMENTS)`. Publishing queues the
notifications once the announcement is due: at once, or by the periodic task for a scheduled one.
Emergency announcements are pinned and go out by SMS to everyone in the audience (urgent: no
subscription or quiet hours hold them); ordinary ones go by email to those subscribed to news.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.accounts.models import AccountLink, User
from kabinet.comms import selectors
from kabinet.comms.models import Announcement, AnnouncementRead, AnnouncementStreet, AnnouncementVersion
from kabinet.comms.services import CommsError
from kabinet.comms.services.notifications import EMAIL, SMS, notify_many
from kabinet.core.models import Organization
from kabinet.core.roles import Role
from kabinet.core.tenancy import staff_organizations
from kabinet.registry.models import Building, PersonalAccount

Audience = Announcement.Audience
CONTENT_FIELDS = ("title", "text", "kind", "pinned", "expires_at", "is_public")
MAX_TITLE = 200


def _not_found() -> CommsError:
    return CommsError(_("No such announcement."), "not_found")


def _staff_organization(user, organization) -> Organization:
    pk = organization.pk if isinstance(organization, Organization) else organization
    found = staff_organizations(user, Role.ANNOUNCEMENTS).filter(pk=pk).first()
    if found is None:
        raise CommsError(_("No such organisation."), "not_found")
    return found


def _staff_announcement(user, announcement_id) -> Announcement:
    pk = announcement_id.pk if isinstance(announcement_id, Announcement) else announcement_id
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise _not_found() from None
    found = (Announcement.objects.select_for_update()
             .filter(pk=pk, organization__in=staff_organizations(user, Role.ANNOUNCEMENTS)).first())
    if found is None:
        raise _not_found()
    return found


# --- Audience ---------------------------------------------------------------------------------------


def _subtree_accounts(organization: Organization):
    return PersonalAccount.objects.filter(organization__path__startswith=organization.path, is_open=True)


def audience_accounts(announcement: Announcement):
    """The open accounts the announcement is for, as one queryset (no rows loaded)."""
    org = announcement.organization
    if announcement.audience == Audience.ORGANIZATION:
        return PersonalAccount.objects.filter(organization=org, is_open=True)
    accounts = _subtree_accounts(org)
    if announcement.audience == Audience.ORGANIZATION_TREE:
        return accounts
    if announcement.audience == Audience.BUILDINGS:
        return accounts.filter(premises__building__in=announcement.buildings.all())
    if announcement.audience == Audience.STREETS:
        streets = Q(pk__in=[])
        for street in announcement.streets.all():
            streets |= Q(settlement=street.settlement, street=street.street)
        return accounts.filter(premises__building__in=Building.objects.filter(streets))
    return accounts.filter(pk__in=announcement.accounts.values("pk"))


def audience_users(announcement: Announcement):
    """Active users linked to any account of the audience (owners and delegates), each once."""
    links = AccountLink.objects.filter(account__in=audience_accounts(announcement))
    return User.objects.filter(pk__in=links.values("user_id"), is_active=True)


def _set_audience(announcement, organization, audience, buildings, streets, accounts) -> None:
    if audience not in Audience.values:
        raise CommsError(_("Choose the audience of the announcement."), "audience")
    announcement.audience = audience
    scope = _subtree_accounts(organization)
    if audience == Audience.BUILDINGS:
        ids = [int(b.pk if hasattr(b, "pk") else b) for b in buildings or ()]
        found = list(Building.objects.filter(pk__in=ids, premises__accounts__in=scope).distinct())
        if not found or len(found) != len(set(ids)):
            raise CommsError(_("Choose buildings served by the organisation."), "buildings")
        announcement.buildings.set(found)
    if audience == Audience.STREETS:
        pairs = {(str(s).strip(), str(t).strip()) for s, t in (streets or ())}
        if not pairs or any(not s or not t for s, t in pairs):
            raise CommsError(_("Choose the streets: a settlement and a street each."), "streets")
        announcement.streets.all().delete()
        AnnouncementStreet.objects.bulk_create(
            [AnnouncementStreet(announcement=announcement, settlement=s, street=t) for s, t in sorted(pairs)])
    if audience == Audience.ACCOUNTS:
        ids = [int(a.pk if hasattr(a, "pk") else a) for a in accounts or ()]
        found = list(scope.filter(pk__in=ids))
        if not found or len(found) != len(set(ids)):
            raise CommsError(_("Choose accounts of the organisation."), "accounts")
        announcement.accounts.set(found)


def _clean_content(values: dict) -> dict:
    values = dict(values)
    if "title" in values:
        values["title"] = (values["title"] or "").strip()
        if not values["title"]:
            raise CommsError(_("Write the title of the announcement."), "title")
        if len(values["title"]) > MAX_TITLE:
            raise CommsError(_("The title is too long: at most %(limit)s characters.") % {"limit": MAX_TITLE},
                             "title")
    if "text" in values:
        values["text"] = (values["text"] or "").strip()
        if not values["text"]:
            raise CommsError(_("Write the text of the announcement."), "text")
    if "kind" in values and values["kind"] not in Announcement.Kind.values:
        raise CommsError(_("Unknown kind of announcement."), "kind")
    if values.get("kind") == Announcement.Kind.EMERGENCY:
        values["pinned"] = True  # emergencies are always on top
    return values


# --- Actions ----------------------------------------------------------------------------------------


def create_announcement(user, organization, *, title: str, text: str, kind: str = Announcement.Kind.ORDINARY,
                        audience: str = Audience.ORGANIZATION, buildings=(), streets=(), accounts=(),
                        expires_at: dt.datetime | None = None, pinned: bool = False,
                        is_public: bool = False) -> Announcement:
    """A draft announcement of an organisation the user serves (announcements role).

    Audience: Audience.ORGANIZATION / ORGANIZATION_TREE, or BUILDINGS (ids), STREETS
    ((settlement, street) pairs) or ACCOUNTS (ids), always within the organisation's subtree.
    Publish it with `publish_announcement`.
    """
    values = _clean_content({"title": title, "text": text, "kind": kind, "pinned": pinned,
                             "expires_at": expires_at, "is_public": is_public})
    with transaction.atomic():
        org = _staff_organization(user, organization)
        announcement = Announcement.objects.create(organization=org, created_by=user, audience=audience, **values)
        _set_audience(announcement, org, audience, buildings, streets, accounts)
    return announcement


def publish_announcement(user, announcement_id, *, publish_at: dt.datetime | None = None) -> Announcement:
    """Publish a draft now, or at `publish_at` (a schedule). Notifications are queued when it is due."""
    now = timezone.now()
    with transaction.atomic():
        announcement = _staff_announcement(user, announcement_id)
        if announcement.status != Announcement.Status.DRAFT:
            raise CommsError(_("Only a draft can be published."), "not_draft")
        publish_at = publish_at or now
        if announcement.expires_at and announcement.expires_at <= publish_at:
            raise CommsError(_("The announcement would expire before it is published."), "expires_at")
        announcement.status = Announcement.Status.PUBLISHED
        announcement.publish_at = publish_at
        announcement.save(update_fields=["status", "publish_at", "updated_at"])
        if publish_at <= now:
            _dispatch(announcement, now)
    return announcement


def edit_announcement(user, announcement_id, changes: dict, *, buildings=None, streets=None,
                      accounts=None) -> Announcement:
    """Change the content (CONTENT_FIELDS) or the audience. A draft changes silently; a published
    one keeps its previous content as an AnnouncementVersion and its version number goes up."""
    unknown = set(changes) - set(CONTENT_FIELDS) - {"audience"}
    if unknown:
        raise CommsError(_("These fields cannot be changed: %(names)s.") % {"names": ", ".join(sorted(unknown))},
                         "fields")
    audience = changes.pop("audience", None)
    values = _clean_content(changes)
    with transaction.atomic():
        announcement = _staff_announcement(user, announcement_id)
        if announcement.status == Announcement.Status.WITHDRAWN:
            raise CommsError(_("A withdrawn announcement cannot be edited."), "withdrawn")
        published = announcement.status == Announcement.Status.PUBLISHED
        if published and audience not in (None, announcement.audience):
            raise CommsError(_("The audience of a published announcement cannot be changed; withdraw it and "
                               "publish a new one."), "audience")
        changed = {k: v for k, v in values.items() if getattr(announcement, k) != v}
        if published and changed:
            AnnouncementVersion.objects.create(
                announcement=announcement, version=announcement.version, title=announcement.title,
                text=announcement.text, kind=announcement.kind, pinned=announcement.pinned,
                expires_at=announcement.expires_at, edited_by=user,
            )
            announcement.version += 1
        for name, value in changed.items():
            setattr(announcement, name, value)
        if not published and (audience or buildings is not None or streets is not None or accounts is not None):
            # Sets `announcement.audience` too, so the row is saved after it.
            _set_audience(announcement, announcement.organization, audience or announcement.audience,
                          buildings if buildings is not None else announcement.buildings.all(),
                          streets if streets is not None else [(s.settlement, s.street)
                                                               for s in announcement.streets.all()],
                          accounts if accounts is not None else announcement.accounts.all())
        announcement.save()
    return announcement


def withdraw_announcement(user, announcement_id) -> Announcement:
    """Take a published announcement off the portal (it stays in the history)."""
    with transaction.atomic():
        announcement = _staff_announcement(user, announcement_id)
        if announcement.status != Announcement.Status.PUBLISHED:
            raise CommsError(_("Only a published announcement can be withdrawn."), "not_published")
        announcement.status = Announcement.Status.WITHDRAWN
        announcement.save(update_fields=["status", "updated_at"])
    return announcement


def mark_announcement_read(user, announcement_id) -> bool:
    """Record that the user read a visible announcement; False if it is not visible to them."""
    announcement = selectors.get_announcement_for_user(user, announcement_id)
    if announcement is None:
        return False
    AnnouncementRead.objects.get_or_create(user=user, announcement=announcement)
    return True


def mark_all_announcements_read(user) -> int:
    """Read receipts for every visible unread announcement, in bulk; returns how many were added."""
    unread = list(selectors.visible_announcements(user).filter(is_read=False).values_list("pk", flat=True))
    AnnouncementRead.objects.bulk_create([AnnouncementRead(user=user, announcement_id=pk) for pk in unread],
                                         ignore_conflicts=True)
    return len(unread)


# --- Dispatch ---------------------------------------------------------------------------------------


def _dispatch(announcement: Announcement, now: dt.datetime) -> int:
    """Queue the notifications of a due announcement once (the caller holds its row lock)."""
    if announcement.dispatched_at is not None:
        return 0
    context = {"title": announcement.title, "text": announcement.text[:500],
               "organization": str(announcement.organization)}
    users = audience_users(announcement)
    if announcement.is_emergency:
        count = notify_many(users, "announcement_emergency", context, channels=(SMS,))
    else:
        count = notify_many(users, "announcement", context, channels=(EMAIL,))
    announcement.dispatched_at = now
    announcement.save(update_fields=["dispatched_at"])
    return count


def dispatch_due_announcements(*, now: dt.datetime | None = None) -> int:
    """Queue notifications of scheduled announcements whose time has come (the periodic task).
    Returns the number of announcements dispatched."""
    now = now or timezone.now()
    due = Announcement.objects.live(now).filter(dispatched_at__isnull=True).values_list("pk", flat=True)
    done = 0
    for pk in list(due):
        with transaction.atomic():
            announcement = (Announcement.objects.select_for_update().select_related("organization")
                            .filter(pk=pk, dispatched_at__isnull=True).first())
            if announcement is not None:
                _dispatch(announcement, now)
                done += 1
    return done
