"""The acquirers the payment centre can use: the built-in sandbox (the embedded default) and YooKassa.

`KABINET_ACQUIRER` chooses the default one; `KABINET_ACQUIRERS` (comma-separated) those offered.
"""

import os
from importlib import import_module

from django.conf import settings

from kabinet.payments.acquirers.base import Acquirer, AcquirerError

REGISTRY = {
    "sandbox": "kabinet.payments.acquirers.sandbox.SandboxAcquirer",
    "yookassa": "kabinet.payments.acquirers.yookassa.YooKassaAcquirer",
}


def _setting(name: str, default: str) -> str:
    return str(getattr(settings, name, None) or os.environ.get(name) or default)


def default_acquirer_code() -> str:
    return _setting("KABINET_ACQUIRER", "sandbox")


def available_codes() -> list[str]:
    codes = [c.strip() for c in _setting("KABINET_ACQUIRERS", default_acquirer_code()).split(",") if c.strip()]
    return [c for c in codes if c in REGISTRY]


def get_acquirer(code: str) -> Acquirer:
    if code not in REGISTRY:
        raise AcquirerError(f"Unknown acquirer {code!r}.")
    module, _, name = REGISTRY[code].rpartition(".")
    return getattr(import_module(module), name)()
