"""Payment centre settings, from Django settings first and then the environment; all have defaults."""

import hashlib
import hmac
import os

from django.conf import settings


def _value(name: str, default):
    if hasattr(settings, name):
        return getattr(settings, name)
    return os.environ.get(name, default)


def acquirer() -> str:
    """The acquirer of new payments (KABINET_ACQUIRER, default the sandbox)."""
    return str(_value("KABINET_ACQUIRER", "") or "sandbox")


def acquirers() -> str:
    """The acquirers offered, comma-separated (KABINET_ACQUIRERS, default the one of KABINET_ACQUIRER)."""
    return str(_value("KABINET_ACQUIRERS", "") or acquirer())


def sandbox_secret() -> bytes:
    """The HMAC key of sandbox callbacks (KABINET_SANDBOX_SECRET; by default derived from SECRET_KEY)."""
    secret = _value("KABINET_SANDBOX_SECRET", "")
    if secret:
        return str(secret).encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"kabinet-sandbox-acquirer", hashlib.sha256).digest()


def sandbox_pending_seconds() -> int:
    """How long the "pending then success" test card stays pending (KABINET_SANDBOX_PENDING_SECONDS)."""
    return int(_value("KABINET_SANDBOX_PENDING_SECONDS", 10))
