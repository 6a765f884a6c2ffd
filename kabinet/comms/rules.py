"""Pure rules of communication: appeal statuses and deadlines, attachment checks, quiet hours and
retry back-off. No database here; services persist what these decide."""

import datetime as dt
import os

from django.utils.translation import gettext as _

# --- Appeals ----------------------------------------------------------------------------------------

NEW, IN_PROGRESS, ANSWERED, CLOSED = "new", "in_progress", "answered", "closed"
OPEN_STATUSES = (NEW, IN_PROGRESS)  # waiting for staff: these can be overdue

# Status changes staff may make by hand (a staff reply moves to ANSWERED, a consumer reply reopens).
STAFF_TRANSITIONS = {
    NEW: {IN_PROGRESS, ANSWERED, CLOSED},
    IN_PROGRESS: {NEW, ANSWERED, CLOSED},
    ANSWERED: {IN_PROGRESS, CLOSED},
    CLOSED: {IN_PROGRESS},
}

RATING_MIN, RATING_MAX = 1, 5


def can_staff_set_status(old: str, new: str) -> bool:
    return new in STAFF_TRANSITIONS.get(old, set())


def status_after_consumer_reply(status: str, has_assignee: bool) -> str:
    """A consumer reply reopens an answered or closed appeal: back to work (or the queue)."""
    if status in (ANSWERED, CLOSED):
        return IN_PROGRESS if has_assignee else NEW
    return status


def status_after_staff_reply(status: str) -> str:
    return ANSWERED


def due_date(created_on: dt.date, deadline_days: int) -> dt.date:
    """The day by which staff must answer: calendar days from the day the appeal was written."""
    return created_on + dt.timedelta(days=max(0, int(deadline_days)))


def is_overdue(status: str, due: dt.date | None, today: dt.date) -> bool:
    return bool(due) and status in OPEN_STATUSES and due < today


# --- Attachments ------------------------------------------------------------------------------------

# Content type → extensions a file of this type may carry.
ALLOWED_TYPES = {
    "image/jpeg": (".jpg", ".jpeg", ".jfif"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/heic": (".heic", ".heif"),
    "application/pdf": (".pdf",),
}
SNIFF_BYTES = 32


def sniff_content_type(head: bytes) -> str | None:
    """The type of a file from its first bytes (magic numbers), or None if it is not one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


class AttachmentRejected(ValueError):
    """The file is not accepted; the message says why, for the person who chose it."""


def check_attachment(name: str, size: int, head: bytes, *, max_bytes: int) -> str:
    """Validate an upload; returns the content type sniffed from its content (never the client's)."""
    extension = os.path.splitext(name or "")[1].lower()
    if size <= 0:
        raise AttachmentRejected(_("The file %(name)s is empty.") % {"name": name})
    if size > max_bytes:
        raise AttachmentRejected(
            _("The file %(name)s is too large: at most %(limit)s MB.")
            % {"name": name, "limit": max_bytes // (1024 * 1024)}
        )
    kind = sniff_content_type(head)
    if kind is None or extension not in ALLOWED_TYPES[kind]:
        raise AttachmentRejected(
            _("The file %(name)s is not an image or a PDF. Attach photos (JPEG, PNG, GIF, WebP, HEIC) or PDF "
              "documents.") % {"name": name}
        )
    return kind


def safe_original_name(name: str) -> str:
    """The file's own name, for display and download only (never a path on disk)."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return (cleaned or "file")[:200]


# --- Notifications ----------------------------------------------------------------------------------


def in_quiet_hours(local: dt.time, start: dt.time | None, end: dt.time | None) -> bool:
    """Is `local` inside [start, end)? The window may wrap midnight (22:00–08:00)."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_hours_end(local_now: dt.datetime, start: dt.time | None, end: dt.time | None) -> dt.datetime | None:
    """When a message held by quiet hours may go (local, aware), or None if it may go now."""
    if not in_quiet_hours(local_now.timetz().replace(tzinfo=None), start, end):
        return None
    candidate = local_now.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= local_now:
        candidate += dt.timedelta(days=1)
    return candidate


def retry_delay(attempts: int, base_seconds: int = 60, cap_seconds: int = 6 * 3600) -> int:
    """Exponential back-off after the n-th failed attempt: base, 2·base, 4·base … up to the cap."""
    attempts = max(1, attempts)
    return min(cap_seconds, base_seconds * 2 ** min(attempts - 1, 30))
