"""Appeal actions: write, reply (consumer or staff), internal notes, assign, change status, rate;
attachments are checked and stored privately. Reads are in kabinet.comms.selectors.

Consumers act through `linked_accounts(user, "appeals")` (owners, and delegates with the appeals
right); staff through `staff_organizations(user, Role.APPEALS)`. A refused or missing appeal gives
the same CommsError("not_found").
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.accounts.services import get_account_for_user
from kabinet.comms import conf, rules, selectors
from kabinet.comms.models import Appeal, AppealCategory, AppealMessage, Attachment
from kabinet.comms.services import CommsError
from kabinet.comms.services.notifications import EMAIL, SMS, notify
from kabinet.core.models import Organization
from kabinet.core.roles import Role
from kabinet.core.tenancy import staff_organizations

MAX_SUBJECT, MAX_TEXT = 200, 10_000


def _not_found() -> CommsError:
    return CommsError(_("No such appeal."), "not_found")


def _clean_text(text: str, *, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise CommsError(_("Write the text of the message."), "empty")
    if len(text) > MAX_TEXT:
        raise CommsError(_("The message is too long: at most %(limit)s characters.") % {"limit": MAX_TEXT},
                         "too_long")
    return text


# --- Attachments ------------------------------------------------------------------------------------


def check_files(files) -> list[tuple[object, str]]:
    """Validate uploads before anything is written: [(file, sniffed content type)]."""
    files = [f for f in (files or []) if f]
    if len(files) > conf.attachments_per_message():
        raise CommsError(_("At most %(limit)s files can be attached to one message.")
                         % {"limit": conf.attachments_per_message()}, "too_many_files")
    checked = []
    for upload in files:
        name = getattr(upload, "name", "") or ""
        upload.seek(0)
        head = upload.read(rules.SNIFF_BYTES)
        upload.seek(0)
        size = getattr(upload, "size", None)
        if size is None:
            upload.seek(0, 2)
            size = upload.tell()
            upload.seek(0)
        try:
            kind = rules.check_attachment(name, size, head, max_bytes=conf.attachment_max_bytes())
        except rules.AttachmentRejected as exc:
            raise CommsError(str(exc), "attachment") from exc
        checked.append((upload, kind))
    return checked


# --- Consumer actions -------------------------------------------------------------------------------


def categories_for_account(account) -> list[AppealCategory]:
    """Active categories of the account's organisation and its parents, nearest first."""
    ancestor_ids = [int(pk) for pk in account.organization.path.strip("/").split("/") if pk]
    return list(AppealCategory.objects.filter(organization_id__in=ancestor_ids, is_active=True)
                .order_by("position", "name"))


def _today_start(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def create_appeal(user, account_id, *, category_id, subject: str, text: str, files=()) -> Appeal:
    """A consumer (owner, or delegate with the appeals right) writes an appeal about an account.

    At most `KABINET_APPEALS_PER_DAY` (10) new appeals per user per calendar day. The due date is
    today + the category's deadline. Files: images or PDF, checked by content (`check_files`).
    """
    account = get_account_for_user(user, account_id, "appeals")
    if account is None:
        raise CommsError(_("No such account, or you may not write appeals about it."), "not_found")
    category = next((c for c in categories_for_account(account) if str(c.pk) == str(category_id)), None)
    if category is None:
        raise CommsError(_("Choose a category of the appeal."), "category")
    subject = (subject or "").strip()
    if not subject:
        raise CommsError(_("Write the subject of the appeal."), "subject")
    if len(subject) > MAX_SUBJECT:
        raise CommsError(_("The subject is too long: at most %(limit)s characters.") % {"limit": MAX_SUBJECT},
                         "subject")
    text = _clean_text(text)
    checked = check_files(files)
    now = timezone.now()
    with transaction.atomic():
        # Lock the author's row: two appeals sent at once are counted one after the other.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        limit = conf.appeals_per_day()
        written = Appeal.objects.filter(author=user, created_at__gte=_today_start(now)).count()
        if written >= limit:
            raise CommsError(
                _("You have reached the limit of new appeals for today (%(limit)s a day). Add to one of your "
                  "open appeals, or write a new one tomorrow.") % {"limit": limit},
                "limit",
            )
        appeal = Appeal.objects.create(
            organization=account.organization, account=account, author=user, category=category,
            subject=subject, due_date=rules.due_date(timezone.localdate(now), category.deadline_days),
            created_at=now,
        )
        _write_message(appeal, user, text, checked, from_staff=False, now=now)
    return appeal


def _write_message(appeal, author, text, checked, *, from_staff: bool, internal: bool = False, now=None):
    message = AppealMessage.objects.create(appeal=appeal, author=author, text=text, from_staff=from_staff,
                                           is_internal=internal, created_at=now or timezone.now())
    stored = []
    try:
        for upload, kind in checked:
            original = rules.safe_original_name(upload.name)
            attachment = Attachment(message=message, original_name=original, content_type=kind,
                                    size=upload.size)
            attachment.file.save(original, upload, save=False)
            stored.append(attachment)
            attachment.save()
    except Exception:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return message


def _consumer_appeal(user, appeal_id) -> Appeal:
    """The appeal, locked, if the user may act on it as a consumer."""
    appeal = selectors.consumer_appeals(user).select_for_update().filter(pk=_int(appeal_id)).first()
    if appeal is None:
        raise _not_found()
    return appeal


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def add_consumer_reply(user, appeal_id, text: str, files=()) -> AppealMessage:
    """A consumer's message in the thread. An answered or closed appeal is reopened (back to the
    assignee, or to the queue); the assignee is notified."""
    text = _clean_text(text)
    checked = check_files(files)
    with transaction.atomic():
        appeal = _consumer_appeal(user, appeal_id)
        now = timezone.now()
        message = _write_message(appeal, user, text, checked, from_staff=False, now=now)
        new_status = rules.status_after_consumer_reply(appeal.status, appeal.assignee_id is not None)
        fields = ["consumer_seen_at", "updated_at"]
        appeal.consumer_seen_at = now
        if new_status != appeal.status:
            appeal.status = new_status
            appeal.closed_at = None
            appeal.rating = None
            appeal.rating_comment = ""
            fields += ["status", "closed_at", "rating", "rating_comment"]
        appeal.save(update_fields=fields)
        if appeal.assignee_id and appeal.assignee_id != user.pk:
            notify(appeal.assignee, "appeal_consumer_reply", _context(appeal, text), channels=(EMAIL,))
    return message


def rate_appeal(user, appeal_id, rating: int, comment: str = "") -> Appeal:
    """The consumer rates the answer of a closed appeal, 1 to 5, once (until it is reopened)."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not rules.RATING_MIN <= rating <= rules.RATING_MAX:
        raise CommsError(_("Choose a rating from 1 to 5."), "rating")
    with transaction.atomic():
        appeal = _consumer_appeal(user, appeal_id)
        if appeal.status != Appeal.Status.CLOSED:
            raise CommsError(_("An appeal can be rated once it is closed."), "not_closed")
        if appeal.rating is not None:
            raise CommsError(_("This appeal has already been rated."), "rated")
        appeal.rating = rating
        appeal.rating_comment = (comment or "").strip()[:2000]
        appeal.save(update_fields=["rating", "rating_comment", "updated_at"])
    return appeal


def mark_appeal_seen(user, appeal_id) -> None:
    """The consumer opened the thread: staff replies so far are no longer unread."""
    appeal_ids = selectors.consumer_appeals(user).filter(pk=_int(appeal_id)).values("pk")
    Appeal.objects.filter(pk__in=appeal_ids).update(consumer_seen_at=timezone.now())


# --- Staff actions ----------------------------------------------------------------------------------


def _staff_appeal(user, appeal_id) -> Appeal:
    appeal = (Appeal.objects.select_for_update()
              .filter(pk=_int(appeal_id), organization__in=staff_organizations(user, Role.APPEALS)).first())
    if appeal is None:
        raise _not_found()
    return appeal


def _context(appeal: Appeal, text: str) -> dict:
    return {
        "appeal": appeal.pk, "subject": appeal.subject, "text": text[:1000],
        "account": appeal.account.number, "organization": str(appeal.organization),
        "due": appeal.due_date.isoformat() if appeal.due_date else "",
    }


def staff_reply(user, appeal_id, text: str, files=(), *, internal: bool = False) -> AppealMessage:
    """Staff answer in the thread: the appeal becomes answered, is assigned to the writer if it had
    no assignee, and the author is notified (email and SMS, by their subscriptions).

    `internal=True` writes a note for staff only: no status change, no notification, never shown
    to consumers.
    """
    text = _clean_text(text)
    checked = check_files(files)
    with transaction.atomic():
        appeal = _staff_appeal(user, appeal_id)
        now = timezone.now()
        message = _write_message(appeal, user, text, checked, from_staff=True, internal=internal, now=now)
        if internal:
            appeal.save(update_fields=["updated_at"])
            return message
        appeal.status = rules.status_after_staff_reply(appeal.status)
        appeal.staff_replied_at = now
        appeal.closed_at = None
        if appeal.assignee_id is None:
            appeal.assignee = user
        appeal.save(update_fields=["status", "staff_replied_at", "closed_at", "assignee", "updated_at"])
        notify(appeal.author, "appeal_reply", _context(appeal, text), channels=(EMAIL, SMS))
    return message


def add_internal_note(user, appeal_id, text: str, files=()) -> AppealMessage:
    """A staff-only note in the thread (see `staff_reply`)."""
    return staff_reply(user, appeal_id, text, files, internal=True)


def assign_appeal(user, appeal_id, assignee_id) -> Appeal:
    """Give the appeal to a staff member with the appeals role on its organisation (None: unassign).
    A new appeal goes in progress; the assignee is notified unless they assigned it to themselves."""
    with transaction.atomic():
        appeal = _staff_appeal(user, appeal_id)
        assignee = None
        if assignee_id not in (None, ""):
            assignee = get_user_model().objects.filter(pk=_int(assignee_id), is_active=True).first()
            if assignee is None or not staff_organizations(assignee, Role.APPEALS).filter(
                    pk=appeal.organization_id).exists():
                raise CommsError(_("This person does not handle appeals of the organisation."), "assignee")
        appeal.assignee = assignee
        fields = ["assignee", "updated_at"]
        if assignee is not None and appeal.status == Appeal.Status.NEW:
            appeal.status = Appeal.Status.IN_PROGRESS
            fields.append("status")
        appeal.save(update_fields=fields)
        if assignee is not None and assignee.pk != user.pk:
            notify(assignee, "appeal_assigned", _context(appeal, ""), channels=(EMAIL,))
    return appeal


def change_appeal_status(user, appeal_id, status: str) -> Appeal:
    """Staff move an appeal by hand (rules.STAFF_TRANSITIONS); closing records the time."""
    if status not in Appeal.Status.values:
        raise CommsError(_("Unknown status."), "status")
    with transaction.atomic():
        appeal = _staff_appeal(user, appeal_id)
        if status == appeal.status:
            return appeal
        if not rules.can_staff_set_status(appeal.status, status):
            raise CommsError(
                _("An appeal cannot go from «%(old)s» to «%(new)s».")
                % {"old": Appeal.Status(appeal.status).label, "new": Appeal.Status(status).label},
                "transition",
            )
        appeal.status = status
        appeal.closed_at = timezone.now() if status == Appeal.Status.CLOSED else None
        appeal.save(update_fields=["status", "closed_at", "updated_at"])
    return appeal


def _staff_organization(user, organization_id) -> Organization:
    organization = staff_organizations(user, Role.APPEALS).filter(pk=_int(organization_id)).first()
    if organization is None:
        raise CommsError(_("No such organisation."), "not_found")
    return organization


def save_category(user, organization_id, *, name: str, deadline_days: int, category_id=None,
                  is_active: bool = True, position: int = 0) -> AppealCategory:
    """Create (or, with `category_id`, change) an appeal category of an organisation the user serves."""
    name = (name or "").strip()
    if not name:
        raise CommsError(_("Give the category a name."), "name")
    try:
        deadline_days = int(deadline_days)
    except (TypeError, ValueError):
        deadline_days = -1
    if not 0 < deadline_days <= 365:
        raise CommsError(_("The deadline is a number of days from 1 to 365."), "deadline")
    with transaction.atomic():
        organization = _staff_organization(user, organization_id)
        if category_id:
            category = AppealCategory.objects.filter(pk=_int(category_id), organization=organization).first()
            if category is None:
                raise CommsError(_("No such category."), "not_found")
        else:
            category = AppealCategory(organization=organization)
        if AppealCategory.objects.filter(organization=organization, name=name).exclude(pk=category.pk).exists():
            raise CommsError(_("The organisation already has a category with this name."), "duplicate")
        category.name, category.deadline_days = name, deadline_days
        category.is_active, category.position = bool(is_active), int(position or 0)
        category.save()
    return category
