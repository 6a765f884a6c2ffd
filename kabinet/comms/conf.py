"""Communication settings, read from Django settings first and then from the environment.

settings.py does not define these yet; each has a safe default, so nothing is required to run.
"""

import os
from pathlib import Path

from django.conf import settings


def _value(name: str, default):
    if hasattr(settings, name):
        return getattr(settings, name)
    return os.environ.get(name, default)


def _int(name: str, default: int) -> int:
    value = _value(name, default)
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an integer, got {value!r}") from exc


def appeals_per_day() -> int:
    """New appeals one user may write per calendar day (KABINET_APPEALS_PER_DAY, default 10)."""
    return _int("KABINET_APPEALS_PER_DAY", 10)


def attachment_max_bytes() -> int:
    """Largest attachment accepted (KABINET_ATTACHMENT_MAX_MB, default 10 MB)."""
    return _int("KABINET_ATTACHMENT_MAX_MB", 10) * 1024 * 1024


def attachments_per_message() -> int:
    return _int("KABINET_ATTACHMENTS_PER_MESSAGE", 5)


def private_media_root() -> Path:
    """Where attachments live: outside MEDIA_ROOT and any URL (KABINET_PRIVATE_MEDIA_ROOT)."""
    default = Path(getattr(settings, "DATA_DIR", "var")) / "private"
    return Path(_value("KABINET_PRIVATE_MEDIA_ROOT", default))


def notify_max_attempts() -> int:
    """Attempts before a notification is given up (KABINET_NOTIFY_MAX_ATTEMPTS, default 8)."""
    return _int("KABINET_NOTIFY_MAX_ATTEMPTS", 8)


def notify_retry_base_seconds() -> int:
    """First retry delay; doubled after each failure (KABINET_NOTIFY_RETRY_SECONDS, default 60)."""
    return _int("KABINET_NOTIFY_RETRY_SECONDS", 60)


def sms_inbound_secret() -> str:
    """Shared secret of the inbound SMS webhook (KABINET_SMS_INBOUND_SECRET); empty = webhook off."""
    return str(_value("KABINET_SMS_INBOUND_SECRET", "") or "")


def sms_inbound_per_hour() -> int:
    """Inbound messages one phone may send in an hour before the rest are logged unanswered
    (KABINET_SMS_INBOUND_PER_HOUR): a looping phone or a flood must not cost a reply each."""
    return _int("KABINET_SMS_INBOUND_PER_HOUR", 20)
